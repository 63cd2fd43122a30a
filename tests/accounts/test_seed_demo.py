from django.core.management import call_command

from apps.accounts import demo
from apps.accounts.models import Membership, Organization, Role, Team, TeamKind, TeamMembership, User


def _counts():
    return (
        Organization.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Team.objects.count(),
        TeamMembership.objects.count(),
    )


def test_seed_demo_builds_the_brightwave_organization(db):
    call_command("seed_demo", "--quiet")
    organization = Organization.objects.get(slug=demo.DEMO_ORG_SLUG)
    members = Membership.objects.filter(organization=organization)
    assert members.count() == 19
    assert members.filter(role=Role.ADMIN).count() == 2
    teams = Team.objects.filter(organization=organization)
    assert teams.count() == 7
    company = teams.get(kind=TeamKind.COMPANY)
    assert company.parent is None
    departments = teams.filter(kind=TeamKind.DEPARTMENT)
    assert set(departments.values_list("parent", flat=True)) == {company.pk}
    assert departments.count() == 2
    small_teams = teams.filter(kind=TeamKind.TEAM)
    assert small_teams.count() == 4
    assert set(small_teams.values_list("parent__kind", flat=True)) == {TeamKind.DEPARTMENT}
    # everyone but the CEO has a line manager, and every person is in a team
    assert members.filter(line_manager__isnull=True).count() == 1
    assert TeamMembership.objects.filter(organization=organization).count() == 19
    maya = User.objects.get(email=demo.demo_email("maya"))
    assert maya.check_password(demo.DEMO_PASSWORD)


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", "--quiet")
    first = _counts()
    call_command("seed_demo", "--quiet")
    assert _counts() == first
    assert first == (1, 19, 19, 7, 19)


def test_seed_demo_restores_a_changed_demo_person(db):
    call_command("seed_demo", "--quiet")
    bo = Membership.objects.get(user__email=demo.demo_email("bo"))
    bo.role = Role.ADMIN
    bo.line_manager = None
    bo.save()
    call_command("seed_demo", "--quiet")
    bo.refresh_from_db()
    assert bo.role == Role.MEMBER
    assert bo.line_manager.user.email == demo.demo_email("ana")


def test_seed_demo_prints_how_to_sign_in(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "19 people" in out
    assert demo.DEMO_PASSWORD in out
