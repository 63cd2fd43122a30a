"""Placeholder views: being implemented."""

from django.http import HttpResponse


def coach_invite(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def coaching_new(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def feedback_detail(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def feedback_inbox(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def feedback_request(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def py(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def will_to_milestones(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)
