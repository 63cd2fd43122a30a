"""The tree page's region is kept per viewer until a write in the organization; never shared."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


@pytest.fixture(autouse=True)
def _tree_cache_on(settings):
    settings.ALIGNMENT_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def _get(client, query=""):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("alignment:tree") + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_second_request_is_served_from_the_cache(aw, client_for):
    client = client_for(aw.manager)
    first, html = _get(client)
    second, again = _get(client)
    assert second < first
    assert "Acme wins its market" in html and "Acme wins its market" in again


def test_a_write_shows_on_the_next_request(aw, client_for):
    client = client_for(aw.admin)
    _get(client)
    aw.company_goal.title = "Acme owns its market"
    aw.company_goal.save()
    _, html = _get(client)
    assert "Acme owns its market" in html


def test_a_viewer_who_may_not_see_a_goal_never_gets_another_viewers_cached_page(aw, client_for):
    query = f"open=t-{aw.team.public_id}&open=g-{aw.rockets_goal.public_id}&open=p-{aw.member.public_id}"
    _, as_manager = _get(client_for(aw.manager), query)  # Mel's line manager
    assert "secret side quest" in as_manager
    _, as_peer = _get(client_for(aw.peer), query)
    assert "secret side quest" not in as_peer
    _, again = _get(client_for(aw.manager), query)
    assert "secret side quest" in again


def test_another_organization_never_gets_this_organizations_page(aw, client_for):
    _, ours = _get(client_for(aw.admin))
    assert "Acme wins its market" in ours
    _, theirs = _get(client_for(aw.outsider))
    assert "Acme wins its market" not in theirs
    assert "Bluebird flies" in theirs or "Feathers" in theirs
