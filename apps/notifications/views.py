"""Notification centre, preferences, digest archive, unsubscribe links and the operations page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.permissions import check_org_admin
from apps.core.http import apply_validation_error
from apps.core.types import AuthedRequest

from . import schedule, selectors, services
from .forms import ReminderPolicyForm, ReminderPreferenceForm, TeamPolicyForm

# --- notification centre -------------------------------------------------------------------


@require_GET
def notification_list(request: AuthedRequest) -> HttpResponse:
    context = {"notifications": selectors.notification_list(actor=request.membership)}
    template = "notifications/list.html#notification-list" if request.htmx else "notifications/list.html"
    return render(request, template, context)


@require_POST
def notification_read(request: AuthedRequest, public_id) -> HttpResponse:
    notification = selectors.notification_get(actor=request.membership, public_id=public_id)
    services.notification_mark_read(actor=request.membership, notification=notification)
    if request.htmx:
        return render(request, "notifications/list.html#notification-item", {"item": notification})
    if request.POST.get("open") and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("notifications:list")


@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=request.membership)
    if request.htmx:
        context = {"notifications": selectors.notification_list(actor=request.membership)}
        return render(request, "notifications/list.html#notification-list", context)
    return redirect("notifications:list")


# --- preferences and policy ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    today = schedule.local_week(timezone.now(), actor.user.time_zone).today
    preference = selectors.reminder_preference(actor=actor)
    initial = {
        "enabled": preference.enabled,
        "weekday": preference.weekday,
        "local_time": preference.local_time,
        "paused_until": preference.paused_until,
    }
    form = ReminderPreferenceForm(request.POST or None, initial=initial, today=today)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_preference_set(actor=actor, **form.cleaned_data)
            saved = True
        except ValidationError as error:
            apply_validation_error(form, error)
    context = {"form": form, "saved": saved, "schedule": selectors.effective_schedule(actor=actor)}
    template = "notifications/preferences.html#preference-form" if request.htmx else "notifications/preferences.html"
    if saved and not request.htmx:
        messages.success(request, "Reminder preferences saved.")
        return redirect("notifications:preferences")
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def policy(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    check_org_admin(actor)
    current = selectors.organization_policy(actor=actor)
    form = ReminderPolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.reminder_policy_set(actor=actor, **form.cleaned_data)
        messages.success(request, "Reminder policy saved.")
        return redirect("notifications:policy")
    return render(request, "notifications/policy.html", {"form": form, "teams": selectors.team_policies(actor=actor)})


@require_http_methods(["GET", "POST"])
def team_policy(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    row = selectors.team_policy_get(actor=actor, public_id=public_id)
    check_org_admin(actor)
    initial = {
        "weekday": row.policy.weekday if row.policy else None,
        "local_time": row.policy.local_time if row.policy else None,
        "webhook_url": row.webhook.url if row.webhook else "",
    }
    form = TeamPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_policy_set(actor=actor, team=row.team, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Reminder policy of {row.team.name} saved.")
            return redirect("notifications:policy")
    return render(request, "notifications/team_policy.html", {"form": form, "row": row})


# --- digests -------------------------------------------------------------------------------


@require_GET
def digest_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "notifications/digests.html", {"digests": selectors.digest_list(actor=request.membership)})


@require_GET
def digest_detail(request: AuthedRequest, public_id) -> HttpResponse:
    digest = selectors.digest_get(actor=request.membership, public_id=public_id)
    return render(request, "notifications/digest.html", {"digest": digest, "data": digest.data})


# --- unsubscribe (signed link, no sign-in) ---------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirm page. POST (from that page, with its CSRF token): switch the emails off."""
    user = services.user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        services.unsubscribe(user=user)
        done = True
    return render(request, "notifications/unsubscribe.html", {"person": user, "done": done, "token": token})


@login_not_required
@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a session; the signed token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe_one_click(request: HttpRequest, token: str) -> HttpResponse:
    user = services.user_for_unsubscribe_token(token)
    if request.method == "GET":
        # A client that opens the header's URL in a browser gets the confirm page (a GET changes nothing).
        return redirect("notifications:unsubscribe", token=token)
    if user is None:
        return HttpResponse("Unknown or altered link.", status=404, content_type="text/plain")
    services.unsubscribe(user=user)
    return HttpResponse("Unsubscribed.", content_type="text/plain")


# --- operations ----------------------------------------------------------------------------


@require_GET
def ops(request: AuthedRequest) -> HttpResponse:
    check_org_admin(request.membership)
    person = request.GET.get("person") or None
    summary = selectors.ops_summary(
        actor=request.membership, person_public_id=person, stuck_after_seconds=services.conf("CLAIM_TIMEOUT", 600)
    )
    return render(request, "notifications/ops.html", {"summary": summary})


@require_POST
def ops_retry(request: AuthedRequest, public_id) -> HttpResponse:
    delivery = selectors.ops_delivery_get(actor=request.membership, public_id=public_id)
    services.delivery_retry(actor=request.membership, delivery=delivery)
    messages.success(request, "Queued again: the worker sends it shortly.")
    return redirect(reverse("notifications:ops"))
