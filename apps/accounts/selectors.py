"""Reads for an actor. Everything starts from the actor's organization."""

from django.core import signing
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from .constants import INVITATION_SALT
from .models import Invitation, Membership, Team, TeamMembership, User


def membership_for_user(*, user: User) -> Membership | None:
    """The person's active membership with its organization: already in hand when the user was read by
    ``accounts.backends.ModelBackend`` (every signed-in request), else one query."""
    if User.membership.related.is_cached(user):
        try:
            membership = user.membership
        except Membership.DoesNotExist:
            return None
        return membership if membership.is_active else None
    return Membership.objects.select_related("organization", "user").filter(user=user, is_active=True).first()


def member_list(*, actor: Membership):
    return (
        Membership.objects.for_org(actor.organization)
        .select_related("user", "line_manager__user")
        .prefetch_related(
            Prefetch(
                "team_memberships",
                queryset=TeamMembership.objects.select_related("team").order_by("team__name"),
            )
        )
        .order_by("-is_active", "user__full_name")
    )


def member_get(*, actor: Membership, public_id) -> Membership:
    try:
        return (
            Membership.objects.for_org(actor.organization)
            .select_related("user", "line_manager__user")
            .get(public_id=public_id)
        )
    except (Membership.DoesNotExist, ValueError):
        raise Http404("No such person.") from None


def team_list(*, actor: Membership):
    return (
        Team.objects.for_org(actor.organization)
        .select_related("parent")
        .annotate(member_count=Count("team_memberships"))
        .order_by("name")
    )


def team_tree(*, actor: Membership) -> list[tuple[Team, int]]:
    """Teams in depth-first order with their depth, for an indented outline."""
    teams = list(team_list(actor=actor))
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        children.setdefault(team.parent_id, []).append(team)
    ordered: list[tuple[Team, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for team in children.get(parent_id, []):
            ordered.append((team, depth))
            walk(team.id, depth + 1)

    walk(None, 0)
    return ordered


def team_get(*, actor: Membership, public_id) -> Team:
    try:
        return Team.objects.for_org(actor.organization).select_related("parent").get(public_id=public_id)
    except (Team.DoesNotExist, ValueError):
        raise Http404("No such team.") from None


def team_members(*, team: Team):
    return (
        TeamMembership.objects.filter(team=team, organization_id=team.organization_id)
        .select_related("membership__user")
        .order_by("role", "membership__user__full_name")  # managers first: "manager" < "member"
    )


def invitation_list(*, actor: Membership):
    return (
        Invitation.objects.for_org(actor.organization)
        .select_related("team", "invited_by__user")
        .order_by("-created_at")[:50]
    )


def invitation_get(*, actor: Membership, public_id) -> Invitation:
    try:
        return Invitation.objects.for_org(actor.organization).get(public_id=public_id)
    except (Invitation.DoesNotExist, ValueError):
        raise Http404("No such invitation.") from None


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation behind an emailed link, or None when the link is not ours."""
    try:
        public_id = signing.Signer(salt=INVITATION_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("organization", "team").filter(public_id=public_id).first()


def pending_invitation_count(*, actor: Membership) -> int:
    return (
        Invitation.objects.for_org(actor.organization)
        .filter(Q(accepted_at__isnull=True), Q(revoked_at__isnull=True), Q(expires_at__gt=timezone.now()))
        .count()
    )


def member_choices(*, actor: Membership):
    return Membership.objects.for_org(actor.organization).active().select_related("user").order_by("user__full_name")


def team_choices(*, actor: Membership, exclude: Team | None = None):
    qs = Team.objects.for_org(actor.organization).order_by("name")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


def team_name_taken(*, actor: Membership, name: str, exclude: Team | None = None) -> bool:
    qs = Team.objects.for_org(actor.organization).filter(name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exists()


def email_has_account(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def line_reports(*, actor: Membership):
    return (
        Membership.objects.for_org(actor.organization)
        .active()
        .filter(line_manager=actor)
        .select_related("user")
        .order_by("user__full_name")
    )


def my_teams(*, actor: Membership):
    return (
        TeamMembership.objects.filter(membership=actor, organization=actor.organization)
        .select_related("team__parent")
        .order_by("team__name")
    )
