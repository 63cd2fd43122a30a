"""The rendered dashboard is kept per viewer until a write in the organization; never shared across viewers or orgs."""

import pytest
from django.core.cache import cache

from apps.accounts.models import TeamRole
from apps.core import dataversion

from .conftest import get_counted, make_goal, make_person

URL = "/dashboard/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.DASHBOARDS_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def test_a_second_request_is_served_from_the_cache(world, cycle, manager_client):
    make_goal(cycle, owner_team=world.team, title="Ship the thing")
    first, html = get_counted(manager_client)
    second, again = get_counted(manager_client)
    assert second < first
    assert "Ship the thing" in html and "Ship the thing" in again
    assert "kept until anything in the organization changes" in again


def test_a_write_invalidates_the_cached_page(world, cycle, client_for):
    admin = client_for(world.admin)
    make_goal(cycle, owner_team=world.team, title="Before")
    _, html = get_counted(admin, {"team": "org"})
    assert "Added after" not in html
    make_goal(cycle, owner_member=world.member, status_code="off_track", title="Added after")
    _, html = get_counted(admin, {"team": "org"})
    assert "Added after" in html


def test_the_version_is_bumped_again_on_commit(world, cycle, django_capture_on_commit_callbacks):
    before = dataversion.current(world.org_a.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_goal(cycle, owner_team=world.team, title="Committed")
    assert callbacks  # the on-commit bump was registered and ran
    assert dataversion.current(world.org_a.pk) == before + 2  # once at the write, once on commit
    assert dataversion.current(world.org_b.pk) != before + 2 or world.org_b.pk == world.org_a.pk


def test_a_write_in_another_organization_leaves_this_one_cached(world, cycle, client_for):
    from .conftest import make_cycle

    admin = client_for(world.admin)
    make_goal(cycle, owner_team=world.team, title="Ours")
    first, _ = get_counted(admin, {"team": "org"})
    make_goal(make_cycle(world.org_b), owner_team=world.team_b, title="Theirs")
    second, html = get_counted(admin, {"team": "org"})
    assert second < first
    assert "Theirs" not in html


def test_another_organizations_admin_never_gets_this_organizations_page(world, cycle, client_for):
    make_goal(cycle, owner_team=world.company, title="Acme secret objective")
    _, ours = get_counted(client_for(world.admin), {"team": "org"})
    assert "Acme secret objective" in ours
    response = client_for(world.outsider).get(URL, {"team": "org"})
    html = response.content.decode()
    assert "Acme secret objective" not in html
    assert world.org_a.name not in html


def test_another_viewer_of_the_same_team_gets_their_own_page(world, cycle, client_for):
    head = make_person(world.org_a, "Company Head", team=world.company, team_role=TeamRole.MANAGER)
    make_goal(cycle, owner_member=world.member, status_code="off_track", title="Private plan", visibility="private")
    params = {"team": str(world.team.public_id)}
    _, as_admin = get_counted(client_for(world.admin), params)
    assert "Private plan" in as_admin
    _, as_head = get_counted(client_for(head), params)
    assert "Private plan" not in as_head  # not the admin's cached page
    assert "more you cannot see" in as_head or "private goal" in as_head
    _, again = get_counted(client_for(world.admin), params)
    assert "Private plan" in again


def test_a_role_change_is_not_served_an_admins_page(world, cycle, client_for):
    make_goal(cycle, owner_team=world.team, title="Objective")
    client = client_for(world.admin)
    assert client.get(URL, {"team": "org"}).status_code == 200
    world.admin.role = "member"
    world.admin.save()
    assert client.get(URL, {"team": "org"}).status_code == 404
