"""The weekly page and the manager review cost the same number of queries for 3 or 30 goals / reports."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Membership
from tests.factories import MembershipFactory, UserFactory

from .conftest import make_goal, submit

BOUND = 15


def _queries(client, url) -> int:
    client.get(url)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _goals(cw, n):
    for i in range(n):
        goal = make_goal(cw.w.member, f"Goal {i}", cycle=cw.cycle, krs=[(f"KR {i}a", 0, 10, 1), (f"KR {i}b", 0, 5, 2)])
        if i % 2:
            submit(cw.w.member, goal, values={goal.key_results.first(): 3}, confidence=6, wins="w")


def test_weekly_page_query_count_does_not_grow_with_goals(member_client, cw, capsys):
    _goals(cw, 1)
    few = _queries(member_client, reverse("checkins:week"))
    _goals(cw, 30)
    many = _queries(member_client, reverse("checkins:week"))
    with capsys.disabled():
        print(f"\nweekly check-in page: {few} queries with 3 goals, {many} with 32 goals")
    assert many == few
    assert many <= BOUND


def _reports(cw, n) -> list[Membership]:
    people = []
    for i in range(n):
        user = UserFactory(full_name=f"Report {i:02d}")
        report = MembershipFactory(organization=cw.w.org_a, user=user, line_manager=cw.w.manager)
        goal = make_goal(report, f"Report goal {i}", cycle=cw.cycle, krs=[("KR", 0, 10, 1)])
        if i % 3:
            submit(report, goal, values={goal.key_results.get(): 2}, confidence=5, blockers="b" if i % 2 else "")
            submit(report, goal, confidence=7, wins="w")
        people.append(report)
    return people


def test_manager_review_query_count_does_not_grow_with_reports(manager_client, cw, capsys):
    _reports(cw, 3)
    few = _queries(manager_client, reverse("checkins:team"))
    _reports(cw, 27)
    many = _queries(manager_client, reverse("checkins:team"))
    with capsys.disabled():
        print(f"\nmanager review: {few} queries with 3(+1) reports, {many} with 30(+1) reports")
    assert many == few
    assert many <= BOUND


def test_feed_query_count_does_not_grow_with_celebrations(peer_client, cw, capsys):
    def hits(n, start):
        for i in range(start, start + n):
            goal = make_goal(cw.w.member, f"Hit {i}", cycle=cw.cycle, krs=[("Target", 0, 1, 0)])
            submit(cw.w.member, goal, values={goal.key_results.get(): 1})

    hits(2, 0)
    few = _queries(peer_client, reverse("checkins:feed"))
    hits(12, 2)
    many = _queries(peer_client, reverse("checkins:feed"))
    with capsys.disabled():
        print(f"\nteam feed: {few} queries with 2 celebrations, {many} with 14")
    assert many == few
