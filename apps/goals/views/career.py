"""Placeholder views: being implemented."""

from django.http import HttpResponse


def my_career(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def person_career(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def py(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)
