"""The rendered dashboard is kept per viewer until a write in the organization; never shared across viewers or orgs."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.models import TeamRole
from apps.core import dataversion
from apps.dashboards.scopes import teams_touched
from apps.goals.models import GoalAlignment

from .conftest import check_in, get_counted, make_goal, make_person

URL = "/dashboard/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.DASHBOARDS_CACHE_SECONDS = 600
    settings.DASHBOARDS_REFRESH_FACTOR = 0  # every out-of-date page is computed again (its own test below)
    cache.clear()
    yield
    cache.clear()


def test_a_second_request_is_served_from_the_cache(world, cycle, manager_client):
    make_goal(cycle, owner_team=world.team, title="Ship the thing")
    first, html = get_counted(manager_client)
    second, again = get_counted(manager_client)
    assert second < first
    assert "Ship the thing" in html and "Ship the thing" in again
    assert "kept until anything in this team or a team below it changes" in again


def test_a_write_invalidates_the_cached_page(world, cycle, client_for):
    admin = client_for(world.admin)
    make_goal(cycle, owner_team=world.team, title="Before")
    _, html = get_counted(admin, {"team": "org"})
    assert "Added after" not in html
    make_goal(cycle, owner_member=world.member, status_code="off_track", title="Added after")
    _, html = get_counted(admin, {"team": "org"})
    assert "Added after" in html


def test_the_version_is_bumped_again_on_commit_once_per_transaction(world, cycle):
    from django.db import connection

    before = dataversion.current(world.org_a.pk)
    make_goal(cycle, owner_team=world.team, title="Committed")
    make_goal(cycle, owner_member=world.member, title="Also committed")
    assert dataversion.current(world.org_a.pk) == before + 2  # once at each write
    flushes = [entry[1] for entry in connection.run_on_commit if entry[1].__module__ == "apps.core.dataversion"]
    assert len(flushes) == 1  # the whole transaction's writes are renewed once more, together, on commit
    team_token = dataversion.scope_tokens(world.org_a.pk, world.team.pk)
    flushes[0]()
    assert dataversion.current(world.org_a.pk) == before + 3
    assert dataversion.scope_tokens(world.org_a.pk, world.team.pk) != team_token


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


# --- narrow invalidation: a team's page misses only for writes in its subtree ----------------------


def test_a_write_in_another_team_leaves_the_team_page_cached(world, cycle, manager_client):
    make_goal(cycle, owner_member=world.member, status_code="off_track", title="Ours at risk")
    first, _ = get_counted(manager_client)
    peer_goal = make_goal(cycle, owner_member=world.peer, status_code="off_track", title="Anvils work")
    check_in(peer_goal, blocker="Anvils are heavy")
    second, html = get_counted(manager_client)
    assert second < first  # served from the cache: the peer team's writes are not on this page
    assert "Ours at risk" in html


def test_a_check_in_in_the_team_misses_the_team_page(world, cycle, manager_client):
    goal = make_goal(cycle, owner_member=world.member, status_code="off_track", title="Ours at risk")
    first, html = get_counted(manager_client)
    assert "Waiting on the vendor" not in html
    check_in(goal, blocker="Waiting on the vendor")
    second, html = get_counted(manager_client)
    assert second == first - 2  # computed again; only the teams and cycles, read by the first request, are kept
    assert "Waiting on the vendor" in html


def test_a_write_in_a_sub_team_misses_the_parent_teams_page(world, cycle, client_for):
    head = make_person(world.org_a, "Company Head", team=world.company, team_role=TeamRole.MANAGER)
    client = client_for(head)
    params = {"team": str(world.company.public_id)}
    _, html = get_counted(client, params)
    assert "Deep in Rockets" not in html
    make_goal(cycle, owner_member=world.member, status_code="off_track", title="Deep in Rockets")
    _, html = get_counted(client, params)
    assert "Deep in Rockets" in html


def test_a_goal_moved_to_another_team_leaves_its_old_teams_page(world, cycle, manager_client):
    goal = make_goal(cycle, owner_member=world.member, status_code="off_track", title="Moving on")
    _, html = get_counted(manager_client)
    assert "Moving on" in html
    goal.owner_member = world.peer  # the new owner is outside the team: the old owner's team is bumped
    goal.save()
    _, html = get_counted(manager_client)
    assert "Moving on" not in html


def test_a_link_from_another_team_updates_the_objectives_aligned_count(world, cycle, manager_client):
    objective = make_goal(cycle, owner_team=world.team, title="Team objective")
    _, html = get_counted(manager_client)
    assert "1 aligned goal" not in html
    helper = make_goal(cycle, owner_member=world.peer, title="Anvils help")
    GoalAlignment.objects.create(organization=world.org_a, child=helper, parent=objective)
    _, html = get_counted(manager_client)
    assert "1 aligned goal" in html


def test_a_new_team_member_misses_the_team_page(world, cycle, manager_client):
    from apps.accounts.models import TeamMembership

    first, html = get_counted(manager_client)
    assert "Pete Peer" not in html
    TeamMembership.objects.create(organization=world.org_a, team=world.team, membership=world.peer)
    second, html = get_counted(manager_client)
    assert second >= first
    assert "Pete Peer" in html


def test_a_write_in_a_team_misses_the_organization_page(world, cycle, client_for):
    admin = client_for(world.admin)
    get_counted(admin, {"team": "org"})
    make_goal(cycle, owner_member=world.peer, status_code="off_track", title="Anvils slipping")
    _, html = get_counted(admin, {"team": "org"})
    assert "Anvils slipping" in html


def test_teams_touched_climbs_to_the_top_and_stays_out_of_other_branches(world, cycle):
    goal = make_goal(cycle, owner_member=world.member)
    touched = teams_touched(world.org_a.pk, {goal.pk}, set(), set())
    assert touched == {world.team.pk, world.company.pk}
    assert world.peer_team.pk not in touched
    assert teams_touched(world.org_a.pk, set(), {world.peer.pk}, set()) == {world.peer_team.pk, world.company.pk}
    # another organization's ids resolve to nothing of this one
    assert teams_touched(world.org_b.pk, {goal.pk}, {world.member.pk}, set()) == set()


def test_a_scoped_bump_renews_only_the_touched_teams(world, cycle):
    team_before = dataversion.scope_tokens(world.org_a.pk, world.team.pk)
    peer_before = dataversion.scope_tokens(world.org_a.pk, world.peer_team.pk)
    org_before = dataversion.current(world.org_a.pk)
    make_goal(cycle, owner_member=world.member)
    assert dataversion.scope_tokens(world.org_a.pk, world.team.pk) != team_before
    assert dataversion.scope_tokens(world.org_a.pk, world.peer_team.pk) == peer_before
    assert dataversion.current(world.org_a.pk) != org_before
    world.peer.user.full_name = "Pete Renamed"
    world.peer.user.save()  # a person's name is structure: every page misses
    assert dataversion.scope_tokens(world.org_a.pk, world.peer_team.pk) != peer_before


def test_while_the_page_is_being_computed_the_viewer_gets_the_last_one_marked(world, cycle, manager_client):
    from apps.dashboards import cache as page_cache

    make_goal(cycle, owner_member=world.member, status_code="off_track", title="Before the write")
    _, html = get_counted(manager_client)
    assert "Newer ones are being computed" not in html
    make_goal(cycle, owner_member=world.member, status_code="off_track", title="After the write")
    viewer = page_cache._viewer(world.manager, None, None)
    lock = f"dashboards:building:{viewer}:{world.team.pk}"
    assert cache.add(lock, 1)  # another request of this viewer is computing the new numbers
    queries, html = get_counted(manager_client)
    assert "Before the write" in html and "After the write" not in html
    assert "Newer ones are being computed right now" in html
    cache.delete(lock)  # that computation is over: the next request computes (nobody else is)
    again, html = get_counted(manager_client)
    assert again > queries
    assert "After the write" in html and "Newer ones are being computed" not in html
    assert cache.get(lock) is None  # the claim is released after computing


def test_a_page_is_not_recomputed_sooner_than_the_refresh_factor_allows(world, cycle, manager_client, settings):
    import time_machine

    settings.DASHBOARDS_REFRESH_FACTOR = 10
    make_goal(cycle, owner_member=world.member, status_code="off_track", title="First numbers")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _, html = get_counted(manager_client)
        key = next(k for k in cache._cache if ":dashboards:page:" in k)  # locmem: the one page entry
        page = cache.get(key.split(":", 2)[2])
        assert page.cost > 0
        make_goal(cycle, owner_member=world.member, status_code="off_track", title="Second numbers")
        cheap, html = get_counted(manager_client)  # within 10 × its cost: shown, marked, not recomputed
        assert "First numbers" in html and "Second numbers" not in html
        assert "Newer ones are being computed right now" in html
        traveller.shift(10 * page.cost + 0.01)
        again, html = get_counted(manager_client)
        assert again > cheap
        assert "Second numbers" in html and "Newer ones are being computed" not in html
