from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Invitation, Membership, Role, TeamMembership, TeamRole
from tests.conftest import HTMX, assert_fragment, assert_page
from tests.factories import InvitationFactory

INVITE = reverse("accounts:invite")
User = get_user_model()


@pytest.fixture
def queued_emails(monkeypatch):
    """Invitation ids whose email was queued (the Celery task's .delay, after commit)."""
    from apps.accounts import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.send_invitation_email, "delay", lambda invitation_id: queued.append(invitation_id))
    return queued


def _invite_data(world, **overrides):
    return {
        "email": "New.Person@Acme.example",
        "full_name": "New Person",
        "role": Role.MEMBER,
        "team": str(world.team.public_id),
        "line_manager": str(world.manager.public_id),
        **overrides,
    }


# --- invite --------------------------------------------------------------------------


def test_invite_page_shows_the_form_and_recent_invitations(admin_client, world):
    InvitationFactory(organization=world.org_a, email="earlier@acme.example")
    InvitationFactory(organization=world.org_b, email="theirs@bluebird.example")
    html = assert_page(admin_client.get(INVITE), 'id="invite-panel"', 'name="email"', "earlier@acme.example")
    assert "theirs@bluebird.example" not in html
    # team and line manager choices come from org A only
    assert str(world.team.public_id) in html
    assert str(world.team_b.public_id) not in html
    assert str(world.outsider.public_id) not in html


def test_admin_invites_someone_and_is_redirected_to_people(
    admin_client, world, django_capture_on_commit_callbacks, queued_emails
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(INVITE, _invite_data(world))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:people")
    invitation = Invitation.objects.get(email="new.person@acme.example")
    assert invitation.organization == world.org_a
    assert (invitation.team, invitation.line_manager, invitation.invited_by) == (world.team, world.manager, world.admin)
    assert invitation.state == "pending"
    assert queued_emails == [invitation.pk]


def test_admin_invites_with_htmx_and_gets_the_panel_back_with_a_fresh_form(
    admin_client, world, django_capture_on_commit_callbacks, queued_emails
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(INVITE, _invite_data(world), **HTMX)
    html = assert_fragment(response, 'id="invite-panel"', "Invitation sent to <strong>new.person@acme.example</strong>")
    assert 'value="New.Person@Acme.example"' not in html  # the form was reset
    assert "new.person@acme.example</strong><br>" in html  # and the list shows the new invitation
    assert Invitation.objects.filter(organization=world.org_a, email="new.person@acme.example").count() == 1
    assert len(queued_emails) == 1


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_invite_for_an_existing_account_rerenders_with_the_error(admin_client, world, headers):
    response = admin_client.post(INVITE, _invite_data(world, email="PETE.PEER@acme.example"), **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone with this email address already has an account." in html
    assert ("<html" in html) is (not headers)
    assert not Invitation.objects.exists()


def test_invite_cannot_name_a_team_of_another_organization(admin_client, world):
    response = admin_client.post(INVITE, _invite_data(world, team=str(world.team_b.public_id)))
    assert_page(response, "Select a valid choice")
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["member_client", "manager_client"])
def test_only_admins_can_invite(request, world, who):
    client = request.getfixturevalue(who)
    assert client.get(INVITE).status_code == 403
    assert client.post(INVITE, _invite_data(world)).status_code == 403
    assert not Invitation.objects.exists()


def test_invite_refuses_put(admin_client, world):
    assert admin_client.put(INVITE).status_code == 405


# --- revoke --------------------------------------------------------------------------


def revoke_url(invitation):
    return reverse("accounts:invitation_revoke", args=[invitation.public_id])


def resend_url(invitation):
    return reverse("accounts:invitation_resend", args=[invitation.public_id])


@pytest.fixture
def pending(world):
    return InvitationFactory(organization=world.org_a, invited_by=world.admin, email="pending@acme.example")


def test_admin_revokes_a_pending_invitation(admin_client, pending):
    response = admin_client.post(revoke_url(pending))
    assert response.status_code == 302
    assert response["Location"] == INVITE
    pending.refresh_from_db()
    assert pending.state == "revoked"
    assert "Invitation for pending@acme.example revoked." in admin_client.get(INVITE).content.decode()


def test_admin_revokes_with_htmx_and_gets_a_client_redirect(admin_client, pending):
    response = admin_client.post(revoke_url(pending), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == INVITE
    pending.refresh_from_db()
    assert pending.revoked_at is not None


def test_revoking_an_accepted_invitation_changes_nothing(admin_client, world):
    accepted = InvitationFactory(organization=world.org_a, accepted=True)
    admin_client.post(revoke_url(accepted))
    accepted.refresh_from_db()
    assert accepted.revoked_at is None
    assert accepted.state == "accepted"


def test_member_cannot_revoke(member_client, pending):
    assert member_client.post(revoke_url(pending)).status_code == 403
    pending.refresh_from_db()
    assert pending.state == "pending"


def test_revoke_refuses_get(admin_client, pending):
    assert admin_client.get(revoke_url(pending)).status_code == 405
    pending.refresh_from_db()
    assert pending.state == "pending"


def test_revoke_of_another_organizations_invitation_is_not_found(admin_client, world):
    theirs = InvitationFactory(organization=world.org_b, invited_by=world.outsider)
    assert admin_client.post(revoke_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "pending"


# --- resend --------------------------------------------------------------------------


def test_admin_resends_an_expired_invitation_with_a_new_expiry(
    admin_client, world, django_capture_on_commit_callbacks, queued_emails
):
    expired = InvitationFactory(organization=world.org_a, expired=True, sent_at=timezone.now() - timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(resend_url(expired))
    assert response.status_code == 302
    assert response["Location"] == INVITE
    expired.refresh_from_db()
    assert expired.state == "pending"
    assert expired.expires_at > timezone.now() + timedelta(days=6)
    assert expired.sent_at is None  # so the email task may claim it again
    assert queued_emails == [expired.pk]


def test_admin_resends_with_htmx_and_gets_a_client_redirect(
    admin_client, pending, django_capture_on_commit_callbacks, queued_emails
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(resend_url(pending), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == INVITE
    assert queued_emails == [pending.pk]


def test_resending_a_revoked_invitation_is_refused_with_a_message(
    admin_client, world, django_capture_on_commit_callbacks, queued_emails
):
    revoked = InvitationFactory(organization=world.org_a, revoked=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(resend_url(revoked), follow=True)
    assert "Only a pending or expired invitation can be sent again." in response.content.decode()
    revoked.refresh_from_db()
    assert revoked.state == "revoked"
    assert queued_emails == []


def test_member_cannot_resend(member_client, pending, django_capture_on_commit_callbacks, queued_emails):
    before = pending.expires_at
    with django_capture_on_commit_callbacks(execute=True):
        assert member_client.post(resend_url(pending)).status_code == 403
    pending.refresh_from_db()
    assert pending.expires_at == before
    assert queued_emails == []


def test_resend_refuses_get(admin_client, pending):
    assert admin_client.get(resend_url(pending)).status_code == 405


def test_resend_of_another_organizations_invitation_is_not_found(admin_client, world, queued_emails):
    theirs = InvitationFactory(organization=world.org_b, expired=True)
    assert admin_client.post(resend_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "expired"


# --- accept --------------------------------------------------------------------------


def accept_url(invitation):
    return reverse("accounts:invitation_accept", args=[services.invitation_token(invitation)])


@pytest.fixture
def invitation(world):
    return InvitationFactory(
        organization=world.org_a,
        email="nina.new@acme.example",
        full_name="Nina New",
        role=Role.MANAGER,
        team=world.team,
        line_manager=world.admin,
        invited_by=world.admin,
    )


def _accept_data(**overrides):
    return {"full_name": "Nina Newcomer", "password1": "orbit-lantern-77", "password2": "orbit-lantern-77", **overrides}


def test_accept_page_shows_the_organization_and_address(client, invitation):
    assert_page(client.get(accept_url(invitation)), "Join Acme", "nina.new@acme.example", 'value="Nina New"')


def test_accepting_creates_the_account_signs_in_and_redirects_home(client, world, invitation):
    response = client.post(accept_url(invitation), _accept_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    user = User.objects.get(email="nina.new@acme.example")
    assert user.full_name == "Nina Newcomer"
    assert user.check_password("orbit-lantern-77")
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role, membership.line_manager) == (
        world.org_a,
        Role.MANAGER,
        world.admin,
    )
    assert TeamMembership.objects.filter(team=world.team, membership=membership, role=TeamRole.MANAGER).exists()
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert invitation.accepted_user == user
    assert client.session["_auth_user_id"] == str(user.pk)  # signed in as the new person
    assert "Nina Newcomer" in client.get(reverse("accounts:profile")).content.decode()


def test_accept_with_different_passwords_rerenders_with_the_error(client, invitation):
    response = client.post(accept_url(invitation), _accept_data(password2="orbit-lantern-78"))
    assert_page(response, "The two passwords differ.")
    assert not User.objects.filter(email="nina.new@acme.example").exists()
    invitation.refresh_from_db()
    assert invitation.state == "pending"


def test_accept_while_signed_in_is_refused(member_client, invitation):
    response = member_client.post(accept_url(invitation), _accept_data())
    assert response.status_code == 409
    assert "You are already signed in" in response.content.decode()
    assert not User.objects.filter(email="nina.new@acme.example").exists()


def test_accept_refuses_put(client, invitation):
    assert client.put(accept_url(invitation)).status_code == 405
