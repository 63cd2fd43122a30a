"""Services enforce the rules themselves, whatever view or task calls them."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Invitation, Membership, Role, Team, TeamKind, TeamMembership, TeamRole
from tests.factories import InvitationFactory, MembershipFactory

User = get_user_model()


def _update(world, member, **overrides):
    fields = {
        "role": member.role,
        "title": member.title,
        "line_manager": member.line_manager,
        "is_active": member.is_active,
        **overrides,
    }
    return services.member_update(actor=world.admin, member=member, **fields)


# --- member_update -------------------------------------------------------------------


def test_member_update_saves_role_title_and_manager(world):
    _update(world, world.peer, role=Role.MANAGER, title="  Lead  ", line_manager=world.manager)
    world.peer.refresh_from_db()
    assert (world.peer.role, world.peer.title, world.peer.line_manager) == (Role.MANAGER, "Lead", world.manager)


def test_member_update_refuses_a_direct_manager_loop(world):
    # Mel reports to Mona; Mona reporting to Mel would be a loop of two.
    with pytest.raises(ValidationError) as error:
        _update(world, world.manager, line_manager=world.member)
    assert "line_manager" in error.value.error_dict
    world.manager.refresh_from_db()
    assert world.manager.line_manager == world.admin


def test_member_update_refuses_a_longer_manager_loop(world):
    # Mel -> Mona -> Ada; Ada reporting to Mel closes a loop of three.
    with pytest.raises(ValidationError, match="loop"):
        _update(world, world.admin, line_manager=world.member)
    world.admin.refresh_from_db()
    assert world.admin.line_manager is None


def test_member_update_refuses_self_as_manager(world):
    with pytest.raises(ValidationError, match="loop"):
        _update(world, world.member, line_manager=world.member)


def test_member_update_refuses_a_manager_of_another_organization(world):
    with pytest.raises(ValidationError, match="from your organization"):
        _update(world, world.member, line_manager=world.outsider)


def test_member_update_refuses_a_person_of_another_organization(world):
    with pytest.raises(ValidationError):
        _update(world, world.outsider_member, title="Hijacked")
    world.outsider_member.refresh_from_db()
    assert world.outsider_member.title == ""


def test_the_last_active_admin_cannot_be_demoted(world):
    # Two admins demote each other at about the same time: the second request
    # still carries its actor as an admin, but the organization would be left
    # without one, so it is refused.
    second = MembershipFactory(organization=world.org_a, role=Role.ADMIN)
    stale_second = Membership.objects.get(pk=second.pk)
    _update(world, second, role=Role.MEMBER)
    with pytest.raises(ValidationError, match="at least one active admin"):
        services.member_update(
            actor=stale_second, member=world.admin, role=Role.MEMBER, title="", line_manager=None, is_active=True
        )
    world.admin.refresh_from_db()
    assert world.admin.role == Role.ADMIN


def test_the_last_active_admin_cannot_be_deactivated(world):
    second = MembershipFactory(organization=world.org_a, role=Role.ADMIN)
    second.user.is_active = False  # a disabled account does not count as an admin
    second.user.save()
    with pytest.raises(ValidationError, match="at least one active admin"):
        services.member_update(
            actor=second, member=world.admin, role=Role.ADMIN, title="", line_manager=None, is_active=False
        )
    world.admin.refresh_from_db()
    assert world.admin.is_active is True


def test_an_admin_can_be_demoted_while_another_admin_remains(world):
    second = MembershipFactory(organization=world.org_a, role=Role.ADMIN)
    _update(world, second, role=Role.MEMBER)
    second.refresh_from_db()
    assert second.role == Role.MEMBER


def test_admin_cannot_deactivate_themselves(world):
    MembershipFactory(organization=world.org_a, role=Role.ADMIN)  # not the last admin, still refused
    with pytest.raises(ValidationError, match="deactivate yourself"):
        _update(world, world.admin, is_active=False)
    world.admin.refresh_from_db()
    assert world.admin.is_active is True


def test_admin_cannot_demote_themselves(world):
    MembershipFactory(organization=world.org_a, role=Role.ADMIN)
    with pytest.raises(ValidationError, match="own admin rights"):
        _update(world, world.admin, role=Role.MANAGER)


def test_member_update_needs_an_admin(world):
    with pytest.raises(PermissionDenied):
        services.member_update(
            actor=world.manager, member=world.member, role=Role.ADMIN, title="", line_manager=None, is_active=True
        )
    world.member.refresh_from_db()
    assert world.member.role == Role.MEMBER


# --- teams ---------------------------------------------------------------------------


def test_team_create_nests_a_team_in_its_parent(world):
    team = services.team_create(actor=world.admin, name=" Lasers ", kind=TeamKind.TEAM, parent=world.company)
    assert (team.organization, team.name, team.parent) == (world.org_a, "Lasers", world.company)


def test_team_create_needs_an_admin(world):
    with pytest.raises(PermissionDenied):
        services.team_create(actor=world.manager, name="Lasers", kind=TeamKind.TEAM, parent=None)
    assert not Team.objects.filter(name="Lasers").exists()


def test_team_create_refuses_a_parent_of_another_organization(world):
    with pytest.raises(ValidationError, match="from your organization"):
        services.team_create(actor=world.admin, name="Lasers", kind=TeamKind.TEAM, parent=world.team_b)
    assert not Team.objects.filter(name="Lasers").exists()


def test_team_cannot_become_its_own_parent(world):
    with pytest.raises(ValidationError, match="cannot sit inside itself"):
        services.team_update(
            actor=world.admin, team=world.team, name="Rockets", kind=TeamKind.TEAM, parent=world.team, description=""
        )


def test_team_cannot_move_under_its_own_grandchild(world):
    squad = services.team_create(actor=world.admin, name="Squad", kind=TeamKind.TEAM, parent=world.team)
    with pytest.raises(ValidationError, match="cannot sit inside itself"):
        services.team_update(
            actor=world.admin, team=world.company, name="Acme", kind=TeamKind.COMPANY, parent=squad, description=""
        )
    world.company.refresh_from_db()
    assert world.company.parent is None


def test_team_can_move_under_a_sibling(world):
    services.team_update(
        actor=world.admin, team=world.team, name="Rockets", kind=TeamKind.TEAM, parent=world.peer_team, description=""
    )
    world.team.refresh_from_db()
    assert world.team.parent == world.peer_team


def test_team_member_set_refuses_a_person_of_another_organization(world):
    with pytest.raises(ValidationError):
        services.team_member_set(actor=world.admin, team=world.team, member=world.outsider_member, role="member")
    assert not TeamMembership.objects.filter(membership=world.outsider_member, team=world.team).exists()


def test_team_manager_manages_only_their_own_team(world):
    services.team_member_set(actor=world.manager, team=world.team, member=world.peer, role=TeamRole.MEMBER)
    with pytest.raises(PermissionDenied):
        services.team_member_remove(actor=world.manager, team=world.peer_team, member=world.peer)
    assert TeamMembership.objects.filter(team=world.peer_team, membership=world.peer).exists()


# --- invitations ---------------------------------------------------------------------


def test_invitation_create_replaces_the_pending_invitation_for_the_same_address(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        first = services.invitation_create(actor=world.admin, email="nina@acme.example")
        second = services.invitation_create(actor=world.admin, email="NINA@acme.example", role=Role.MANAGER)
    first.refresh_from_db()
    assert first.state == "revoked"
    assert second.state == "pending"
    assert Invitation.objects.pending().filter(email="nina@acme.example").get() == second


def test_invitation_create_leaves_other_organizations_invitations_alone(world, django_capture_on_commit_callbacks):
    theirs = InvitationFactory(organization=world.org_b, email="nina@acme.example")
    with django_capture_on_commit_callbacks():
        services.invitation_create(actor=world.admin, email="nina@acme.example")
    theirs.refresh_from_db()
    assert theirs.state == "pending"


def test_invitation_create_queues_one_email_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.invitation_create(actor=world.admin, email="nina@acme.example")
    assert len(callbacks) == 1


def test_invitation_create_refuses_an_existing_account(world):
    with pytest.raises(ValidationError, match="already has an account"):
        services.invitation_create(actor=world.admin, email="Otto.Outsider@bluebird.example")
    assert not Invitation.objects.exists()


def test_invitation_create_needs_an_admin(world):
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=world.manager, email="nina@acme.example")


def test_invitation_email_is_sent_once_however_often_the_task_runs(world):
    invitation = InvitationFactory(organization=world.org_a, invited_by=world.admin, email="nina@acme.example")
    assert services.invitation_send_email(invitation_id=invitation.pk) is True
    assert services.invitation_send_email(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@acme.example"]
    assert message.subject == "You're invited to Acme on Goalsite"
    assert services.invitation_token(invitation) in message.body
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_invitation_email_is_not_sent_for_a_revoked_invitation(world):
    invitation = InvitationFactory(organization=world.org_a, revoked=True)
    assert services.invitation_send_email(invitation_id=invitation.pk) is False
    assert mail.outbox == []


def test_a_failed_send_releases_the_claim_so_a_retry_sends(world, monkeypatch):
    invitation = InvitationFactory(organization=world.org_a, invited_by=world.admin)

    def broken_send(self, fail_silently=False):
        raise OSError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    with pytest.raises(OSError):
        services.invitation_send_email(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    monkeypatch.undo()
    assert services.invitation_send_email(invitation_id=invitation.pk) is True
    assert len(mail.outbox) == 1


def test_invitation_accept_creates_user_membership_and_team_membership(world):
    invitation = InvitationFactory(
        organization=world.org_a,
        email="nina@acme.example",
        role=Role.MEMBER,
        team=world.team,
        line_manager=world.manager,
    )
    user = services.invitation_accept(invitation=invitation, full_name=" Nina New ", password="orbit-lantern-77")
    assert user.full_name == "Nina New"
    assert user.check_password("orbit-lantern-77")
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role, membership.line_manager) == (
        world.org_a,
        Role.MEMBER,
        world.manager,
    )
    tm = TeamMembership.objects.get(membership=membership)
    assert (tm.team, tm.role, tm.organization) == (world.team, TeamRole.MEMBER, world.org_a)
    invitation.refresh_from_db()
    assert invitation.state == "accepted"


def test_invitation_accept_with_a_weak_password_writes_nothing(world):
    invitation = InvitationFactory(organization=world.org_a, email="nina@acme.example", team=world.team)
    users, memberships, team_memberships = (
        User.objects.count(),
        Membership.objects.count(),
        TeamMembership.objects.count(),
    )
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, full_name="Nina", password="password1234")
    assert (User.objects.count(), Membership.objects.count(), TeamMembership.objects.count()) == (
        users,
        memberships,
        team_memberships,
    )
    invitation.refresh_from_db()
    assert invitation.state == "pending"


def test_invitation_accept_rolls_back_everything_when_a_later_step_fails(world, monkeypatch):
    invitation = InvitationFactory(organization=world.org_a, email="nina@acme.example", team=world.team)

    def broken_create(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(TeamMembership.objects, "create", broken_create)
    with pytest.raises(RuntimeError):
        services.invitation_accept(invitation=invitation, full_name="Nina", password="orbit-lantern-77")
    assert not User.objects.filter(email="nina@acme.example").exists()
    assert not Membership.objects.filter(user__email="nina@acme.example").exists()
    invitation.refresh_from_db()
    assert invitation.state == "pending"


@pytest.mark.parametrize("state", ["accepted", "revoked", "expired"])
def test_invitation_accept_refuses_an_unusable_invitation(world, state):
    invitation = InvitationFactory(organization=world.org_a, email="nina@acme.example", **{state: True})
    with pytest.raises(services.InvitationUnusable) as error:
        services.invitation_accept(invitation=invitation, full_name="Nina", password="orbit-lantern-77")
    assert error.value.state == state
    assert not User.objects.filter(email="nina@acme.example").exists()


def test_invitation_accept_reads_the_current_state_not_the_callers_copy(world):
    invitation = InvitationFactory(organization=world.org_a, email="nina@acme.example")
    stale = Invitation.objects.get(pk=invitation.pk)
    services.invitation_accept(invitation=invitation, full_name="Nina", password="orbit-lantern-77")
    with pytest.raises(services.InvitationUnusable):
        services.invitation_accept(invitation=stale, full_name="Nina again", password="orbit-lantern-77")
    assert User.objects.filter(email="nina@acme.example").count() == 1


def test_invitation_resend_extends_an_expired_invitation(world, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(organization=world.org_a, expired=True, sent_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        services.invitation_resend(actor=world.admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert invitation.sent_at is None
    assert len(callbacks) == 1
