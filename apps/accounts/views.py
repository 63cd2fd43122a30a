from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.http import apply_validation_error, redirect_or_htmx
from apps.core.types import AuthedRequest

from . import selectors, services
from .forms import (
    AcceptInvitationForm,
    InvitationForm,
    MemberForm,
    ProfileForm,
    SignInForm,
    TeamForm,
    TeamMemberForm,
)
from .permissions import can_manage_team, check_can_manage_team, check_org_admin, is_org_admin


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


# --- profile -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    initial = {
        "full_name": user.full_name,
        "time_zone": user.time_zone,
        "email_notifications": user.email_notifications,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=request.membership, **form.cleaned_data)
            saved = True
        except ValidationError as error:
            apply_validation_error(form, error)
        if saved and not request.htmx:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile")
    template = "accounts/profile.html#profile-form" if request.htmx else "accounts/profile.html"
    return render(request, template, {"form": form, "saved": saved})


# --- people --------------------------------------------------------------------------


@require_http_methods(["GET"])
def people(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    context = {
        "members": selectors.member_list(actor=actor),
        "is_admin": is_org_admin(actor),
        "invitations": selectors.invitation_list(actor=actor) if is_org_admin(actor) else [],
    }
    return render(request, "accounts/people.html", context)


@require_http_methods(["GET", "POST"])
def person_detail(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    member = selectors.member_get(actor=actor, public_id=public_id)
    form = None
    if is_org_admin(actor):
        initial = {
            "role": member.role,
            "title": member.title,
            "line_manager": member.line_manager.public_id if member.line_manager else None,
            "is_active": member.is_active,
        }
        form = MemberForm(request.POST or None, initial=initial, actor=actor, member=member)
        if request.method == "POST" and form.is_valid():
            try:
                services.member_update(actor=actor, member=member, **form.cleaned_data)
                messages.success(request, f"Saved {member.user.full_name}.")
                return redirect_or_htmx(request, reverse("accounts:person_detail", args=[member.public_id]))
            except ValidationError as error:
                apply_validation_error(form, error)
    elif request.method == "POST":
        check_org_admin(actor)
    context = {
        "member": member,
        "form": form,
        "teams": selectors.my_teams(actor=member),
        "reports": selectors.line_reports(actor=member),
    }
    return render(request, "accounts/person_detail.html", context)


# --- invitations ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invite(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    check_org_admin(actor)
    form = InvitationForm(request.POST or None, actor=actor)
    sent_to = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(actor=actor, **form.cleaned_data)
            sent_to = invitation.email
            if not request.htmx:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("accounts:people")
            form = InvitationForm(actor=actor)
        except ValidationError as error:
            apply_validation_error(form, error)
    context = {"form": form, "sent_to": sent_to, "invitations": selectors.invitation_list(actor=actor)}
    template = "accounts/invite.html#invite-panel" if request.htmx else "accounts/invite.html"
    return render(request, template, context)


@require_POST
def invitation_revoke(request: AuthedRequest, public_id) -> HttpResponse:
    invitation = selectors.invitation_get(actor=request.membership, public_id=public_id)
    services.invitation_revoke(actor=request.membership, invitation=invitation)
    messages.info(request, f"Invitation for {invitation.email} revoked.")
    return redirect_or_htmx(request, reverse("accounts:invite"))


@require_POST
def invitation_resend(request: AuthedRequest, public_id) -> HttpResponse:
    invitation = selectors.invitation_get(actor=request.membership, public_id=public_id)
    try:
        services.invitation_resend(actor=request.membership, invitation=invitation)
        messages.success(request, f"Invitation sent again to {invitation.email}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect_or_htmx(request, reverse("accounts:invite"))


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_unusable.html", {"state": "invalid"}, status=404)
    if invitation.state != "pending":
        return render(request, "accounts/invitation_unusable.html", {"state": invitation.state}, status=410)
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_unusable.html", {"state": "signed_in"}, status=409)
    form = AcceptInvitationForm(
        request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except services.InvitationUnusable as unusable:
            return render(request, "accounts/invitation_unusable.html", {"state": unusable.state}, status=410)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            login(request, user, backend="apps.accounts.backends.ModelBackend")
            messages.success(request, f"Welcome to {invitation.organization.name}, {user.get_short_name()}!")
            return redirect("core:home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


# --- teams ---------------------------------------------------------------------------


@require_http_methods(["GET"])
def teams(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    return render(
        request, "accounts/teams.html", {"tree": selectors.team_tree(actor=actor), "is_admin": is_org_admin(actor)}
    )


@require_http_methods(["GET", "POST"])
def team_create(request: AuthedRequest) -> HttpResponse:
    actor = request.membership
    check_org_admin(actor)
    form = TeamForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=actor, **form.cleaned_data)
            messages.success(request, f"Team {team.name} created.")
            return redirect("accounts:team_detail", public_id=team.public_id)
        except ValidationError as error:
            apply_validation_error(form, error)
    return render(request, "accounts/team_form.html", {"form": form, "team": None})


@require_http_methods(["GET", "POST"])
def team_edit(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    team = selectors.team_get(actor=actor, public_id=public_id)
    check_org_admin(actor)
    initial = {
        "name": team.name,
        "kind": team.kind,
        "parent": team.parent.public_id if team.parent else None,
        "description": team.description,
    }
    form = TeamForm(request.POST or None, initial=initial, actor=actor, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(actor=actor, team=team, **form.cleaned_data)
            messages.success(request, f"Team {team.name} saved.")
            return redirect("accounts:team_detail", public_id=team.public_id)
        except ValidationError as error:
            apply_validation_error(form, error)
    return render(request, "accounts/team_form.html", {"form": form, "team": team})


def _team_context(actor, team, form=None) -> dict:
    can_manage = can_manage_team(actor, team)
    return {
        "team": team,
        "members": selectors.team_members(team=team),
        "can_manage": can_manage,
        "member_form": form or (TeamMemberForm(actor=actor) if can_manage else None),
        "is_admin": is_org_admin(actor),
    }


@require_http_methods(["GET"])
def team_detail(request: AuthedRequest, public_id) -> HttpResponse:
    team = selectors.team_get(actor=request.membership, public_id=public_id)
    return render(request, "accounts/team_detail.html", _team_context(request.membership, team))


@require_POST
def team_member_add(request: AuthedRequest, public_id) -> HttpResponse:
    actor = request.membership
    team = selectors.team_get(actor=actor, public_id=public_id)
    check_can_manage_team(actor, team)
    form = TeamMemberForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            services.team_member_set(actor=actor, team=team, **form.cleaned_data)
            form = None
            if not request.htmx:
                messages.success(request, "Team updated.")
                return redirect("accounts:team_detail", public_id=team.public_id)
        except ValidationError as error:
            apply_validation_error(form, error)
    template = "accounts/team_detail.html#team-members" if request.htmx else "accounts/team_detail.html"
    return render(request, template, _team_context(actor, team, form))


@require_POST
def team_member_remove(request: AuthedRequest, public_id, member_id) -> HttpResponse:
    actor = request.membership
    team = selectors.team_get(actor=actor, public_id=public_id)
    member = selectors.member_get(actor=actor, public_id=member_id)
    services.team_member_remove(actor=actor, team=team, member=member)
    if request.htmx:
        return render(request, "accounts/team_detail.html#team-members", _team_context(actor, team))
    messages.success(request, f"{member.user.full_name} removed from {team.name}.")
    return redirect("accounts:team_detail", public_id=team.public_id)
