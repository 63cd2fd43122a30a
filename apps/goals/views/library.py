"""Placeholder views: being implemented."""

from django.http import HttpResponse


def cycles(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def org_template_create(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def org_template_use(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def py(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def template_library(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


def template_use(request, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)
