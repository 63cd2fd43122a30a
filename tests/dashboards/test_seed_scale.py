"""seed_scale on small sizes: the requested counts, consistent stored progress, idempotent per name."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from apps.accounts.models import Membership, Organization, Team, TeamMembership
from apps.checkins.models import CheckIn
from apps.goals import progress as arithmetic
from apps.goals.models import Goal, GoalAlignment, KeyResult

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale loads rows with COPY")

SIZES = ["--people", "60", "--teams", "8", "--goals", "300", "--krs", "900", "--checkins", "2000"]


def seed(*extra):
    call_command("seed_scale", *SIZES, "--org-name", "Tiny Scale", *extra, stdout=io.StringIO())
    return Organization.objects.get(slug="tiny-scale")


def counts(org):
    return {
        "teams": Team.objects.filter(organization=org).count(),
        "people": Membership.objects.filter(organization=org).count(),
        "goals": Goal.objects.filter(organization=org).count(),
        "krs": KeyResult.objects.filter(organization=org).count(),
        "checkins": CheckIn.objects.filter(organization=org).count(),
    }


@pytest.mark.django_db(transaction=False)
def test_seed_scale_makes_what_was_asked(db):
    org = seed()
    assert counts(org) == {"teams": 8, "people": 60, "goals": 300, "krs": 900, "checkins": 2000}
    teams = Team.objects.filter(organization=org)
    assert teams.filter(parent__isnull=True).count() == 1
    assert TeamMembership.objects.filter(organization=org, role="manager").count() == 8
    # Every member has a line manager but the top one; goals are aligned upward.
    assert Membership.objects.filter(organization=org, line_manager__isnull=True).count() == 1
    assert GoalAlignment.objects.filter(organization=org).count() >= 290
    # Statuses vary.
    progress = list(Goal.objects.filter(organization=org, status="active").values_list("progress", flat=True))
    assert min(progress) < 0.2 and max(progress) > 0.7


@pytest.mark.django_db
def test_stored_progress_follows_the_roll_up_rules(db):
    org = seed()
    krs = list(KeyResult.objects.filter(organization=org))
    for kr in krs:
        assert kr.progress == pytest.approx(kr.compute_progress(), abs=1e-9)
    goals = {g.pk: g for g in Goal.objects.filter(organization=org)}
    parts = {pk: [] for pk in goals}
    for kr in krs:
        parts[kr.goal_id].append((kr.progress, kr.weight))
    for link in GoalAlignment.objects.filter(organization=org):
        if goals[link.child_id].status != "dropped":
            parts[link.parent_id].append((goals[link.child_id].progress, link.weight))
    for pk, goal in goals.items():
        expected = arithmetic.weighted_mean(parts[pk]) if parts[pk] else (1.0 if goal.status == "achieved" else 0.0)
        assert goal.progress == pytest.approx(expected, abs=1e-9), goal.title


@pytest.mark.django_db
def test_seeding_again_changes_nothing_and_reset_starts_over(db):
    org = seed()
    before = counts(org)
    goal_ids = set(Goal.objects.filter(organization=org).values_list("pk", flat=True))
    again = seed()
    assert again.pk == org.pk and counts(again) == before
    fresh = seed("--reset")
    assert fresh.pk != org.pk and counts(fresh) == before
    assert not Goal.objects.filter(pk__in=goal_ids).exists()
