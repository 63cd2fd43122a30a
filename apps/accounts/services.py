"""Every write to people, teams and invitations. Keyword-only, atomic, checked."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .constants import INVITATION_SALT
from .models import Invitation, Membership, Organization, Role, Team, TeamMembership, TeamRole, User
from .permissions import check_can_manage_team, check_org_admin

# --- organizations -------------------------------------------------------------------


@transaction.atomic
def organization_create(*, name: str, admin_email: str, admin_name: str, password: str) -> Membership:
    """A new organization with its first admin (used by setup and the demo seed)."""
    base = slugify(name)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    organization = Organization.objects.create(name=name, slug=slug)
    user = User.objects.create_user(email=admin_email, password=password, full_name=admin_name)
    return Membership.objects.create(organization=organization, user=user, role=Role.ADMIN)


# --- profile -------------------------------------------------------------------------


@transaction.atomic
def profile_update(*, actor: Membership, full_name: str, time_zone: str, email_notifications: bool) -> User:
    user = actor.user
    user.full_name = full_name.strip()
    user.time_zone = time_zone
    user.email_notifications = email_notifications
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "time_zone", "email_notifications"])
    return user


# --- members -------------------------------------------------------------------------


def _would_loop_manager(member: Membership, manager: Membership | None) -> bool:
    seen = {member.pk}
    current = manager
    while current is not None:
        if current.pk in seen:
            return True
        seen.add(current.pk)
        current = current.line_manager
    return False


@transaction.atomic
def member_update(
    *,
    actor: Membership,
    member: Membership,
    role: str,
    title: str,
    line_manager: Membership | None,
    is_active: bool,
) -> Membership:
    check_org_admin(actor)
    if member.organization_id != actor.organization_id:
        raise ValidationError("This person is not in your organization.")
    if line_manager is not None and line_manager.organization_id != actor.organization_id:
        raise ValidationError({"line_manager": "Choose a manager from your organization."})
    if _would_loop_manager(member, line_manager):
        raise ValidationError(
            {"line_manager": "That would make a loop: someone would end up managing their own manager."}
        )
    if member.pk == actor.pk and (role != Role.ADMIN or not is_active):
        raise ValidationError("You cannot remove your own admin rights or deactivate yourself.")
    if member.role == Role.ADMIN and (role != Role.ADMIN or not is_active):
        other_admins = (
            Membership.objects.for_org(actor.organization)
            .active()
            .filter(role=Role.ADMIN)
            .exclude(pk=member.pk)
            .select_for_update()
        )
        if not other_admins.exists():
            raise ValidationError("An organization needs at least one active admin.")
    member.role = role
    member.title = title.strip()
    member.line_manager = line_manager
    member.is_active = is_active
    member.save(update_fields=["role", "title", "line_manager", "is_active"])
    return member


# --- teams ---------------------------------------------------------------------------


def _check_parent(team: Team | None, parent: Team | None, organization: Organization) -> None:
    if parent is None:
        return
    if parent.organization_id != organization.pk:
        raise ValidationError({"parent": "Choose a parent team from your organization."})
    current = parent
    while current is not None:
        if team is not None and current.pk == team.pk:
            raise ValidationError({"parent": "A team cannot sit inside itself or one of its sub-teams."})
        current = current.parent


@transaction.atomic
def team_create(*, actor: Membership, name: str, kind: str, parent: Team | None, description: str = "") -> Team:
    check_org_admin(actor)
    _check_parent(None, parent, actor.organization)
    team = Team(organization=actor.organization, name=name.strip(), kind=kind, parent=parent, description=description)
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def team_update(*, actor: Membership, team: Team, name: str, kind: str, parent: Team | None, description: str) -> Team:
    check_org_admin(actor)
    _check_parent(team, parent, actor.organization)
    team.name = name.strip()
    team.kind = kind
    team.parent = parent
    team.description = description
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def team_member_set(*, actor: Membership, team: Team, member: Membership, role: str) -> TeamMembership:
    check_can_manage_team(actor, team)
    if member.organization_id != team.organization_id:
        raise ValidationError({"member": "Choose a person from your organization."})
    team_membership, _ = TeamMembership.objects.update_or_create(
        team=team, membership=member, defaults={"role": role, "organization": team.organization}
    )
    return team_membership


@transaction.atomic
def team_member_remove(*, actor: Membership, team: Team, member: Membership) -> None:
    check_can_manage_team(actor, team)
    TeamMembership.objects.filter(team=team, membership=member).delete()


# --- invitations ---------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.Signer(salt=INVITATION_SALT).sign(str(invitation.public_id))


def invitation_url(invitation: Invitation) -> str:
    path = reverse("accounts:invitation_accept", kwargs={"token": invitation_token(invitation)})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def invitation_create(
    *,
    actor: Membership,
    email: str,
    full_name: str = "",
    role: str = Role.MEMBER,
    team: Team | None = None,
    line_manager: Membership | None = None,
) -> Invitation:
    check_org_admin(actor)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone with this email address already has an account."})
    if team is not None and team.organization_id != actor.organization_id:
        raise ValidationError({"team": "Choose a team from your organization."})
    if line_manager is not None and line_manager.organization_id != actor.organization_id:
        raise ValidationError({"line_manager": "Choose a manager from your organization."})
    # A new invitation replaces any still-pending one for the same address.
    Invitation.objects.for_org(actor.organization).pending().filter(email__iexact=email).update(
        revoked_at=timezone.now()
    )
    invitation = Invitation.objects.create(
        organization=actor.organization,
        email=email,
        full_name=full_name.strip(),
        role=role,
        team=team,
        line_manager=line_manager,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    _enqueue_invitation_email(invitation)
    return invitation


def _enqueue_invitation_email(invitation: Invitation) -> None:
    from .tasks import send_invitation_email

    invitation_id = invitation.pk
    transaction.on_commit(lambda: send_invitation_email.delay(invitation_id))


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation) -> Invitation:
    check_org_admin(actor)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("Only a pending or expired invitation can be sent again.")
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.sent_at = None
    invitation.save(update_fields=["expires_at", "sent_at"])
    _enqueue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    check_org_admin(actor)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_send_email(*, invitation_id: int) -> bool:
    """Send the invitation email once; returns False when there is nothing to send."""
    with transaction.atomic():
        # Claim the send: only the run that flips sent_at from NULL sends.
        claimed = Invitation.objects.filter(
            pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(sent_at=timezone.now())
        if not claimed:
            return False
        invitation = Invitation.objects.select_related("organization", "invited_by__user").get(pk=invitation_id)
        context = {
            "invitation": invitation,
            "url": invitation_url(invitation),
            "inviter": invitation.invited_by.user if invitation.invited_by else None,
        }
        message = EmailMultiAlternatives(
            subject=f"You're invited to {invitation.organization.name} on Goalsite",
            body=render_to_string("accounts/email/invitation.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(render_to_string("accounts/email/invitation.html", context), "text/html")
        # Sending inside the transaction: if it raises, the claim rolls back and a retry sends.
        message.send()
    return True


class InvitationUnusable(Exception):
    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Turn a pending invitation into an account, exactly once."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.state != "pending":
        raise InvitationUnusable(locked.state)
    user = User(email=locked.email, full_name=full_name.strip())
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"email": "Someone with this email address already has an account."}) from None
    membership = Membership.objects.create(
        organization_id=locked.organization_id,
        user=user,
        role=locked.role,
        line_manager=locked.line_manager,
    )
    if locked.team_id:
        TeamMembership.objects.create(
            organization_id=locked.organization_id,
            team_id=locked.team_id,
            membership=membership,
            role=TeamRole.MANAGER if locked.role == Role.MANAGER else TeamRole.MEMBER,
        )
    locked.accepted_at = timezone.now()
    locked.accepted_user = user
    locked.save(update_fields=["accepted_at", "accepted_user"])
    return user
