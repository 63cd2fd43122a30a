"""Placeholder views: being implemented."""

from django.http import HttpResponse


def goal_activate(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_activity(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_carry_over(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_close(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_confidence(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_create(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_detail(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_edit(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def goal_reopen(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def kr_add(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def kr_delete(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def kr_edit(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def kr_value(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def milestone_add(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def milestone_delete(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def milestone_done(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def milestone_move(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def milestone_reschedule(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def my_goals(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def plan_space(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def py(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)
