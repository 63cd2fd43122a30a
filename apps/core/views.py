from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts import selectors as account_selectors
from apps.core.types import AuthedRequest

from . import selectors


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    # A higher app may decide where "/" lands (settings.GOALSITE_HOME_RESOLVER, a dotted path
    # to ``resolve(request) -> url | None``); core never imports it. Without one, this page.
    resolver = getattr(settings, "GOALSITE_HOME_RESOLVER", "")
    if resolver:
        target = import_string(resolver)(request)
        if target:
            return redirect(target)
    actor = request.membership
    context = {
        "teams": account_selectors.my_teams(actor=actor),
        "reports": account_selectors.line_reports(actor=actor),
    }
    return render(request, "core/home.html", context)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status for operators and the compose health checks."""
    report = selectors.health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)
