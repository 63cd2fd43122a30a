"""The SMART check on real-world goals: which letters hold, and a suggestion for every one that does not."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from apps.goals import services, smart
from apps.goals.models import CareerGoal, CareerProfile, Framework, GoalAlignment, GoalSettings, GoalStatus
from apps.goals.smart import GoalFacts, KeyResultFacts

TODAY = date(2026, 5, 15)
CYCLE_END = date(2026, 6, 30)
LETTERS = "SMART"


def kr(title: str, unit: str = "deals", metric_type: str = "number") -> KeyResultFacts:
    return KeyResultFacts(title=title, metric_type=metric_type, unit=unit)


THREE_KRS = (
    kr("Close 12 new enterprise deals", unit="deals"),
    kr("Raise win rate to 30 %", unit="%", metric_type="percentage"),
    kr("Grow pipeline to €2M", unit="EUR", metric_type="currency"),
)

# A goal that passes every letter; most cases change one or two things about it.
GOOD = GoalFacts(
    title="Raise lead conversion from 12% to 15% by June",
    description="So that the sales team reaches its quarterly target without more ad spend.",
    framework=Framework.SMART,
    due_date=CYCLE_END,
    cycle_end=CYCLE_END,
    owner_active_goals=3,
    max_active_goals=5,
)

# (id, facts, expected letters: the letter when it holds, "-" when it does not)
CASES = [
    ("full-smart-goal", GOOD, "SMART"),
    (
        "vague-communication",
        replace(GOOD, title="Get better at communication", description=""),
        "--A-T",
    ),
    (
        "monthly-project-update",
        replace(GOOD, title="Present a project update to the team every month"),
        "S-ART",
    ),
    ("nps-by-10-points", replace(GOOD, title="Improve NPS by 10 points by June", description=""), "SMA-T"),
    ("too-short", replace(GOOD, title="Sell more"), "--ART"),
    ("work-on-without-object", replace(GOOD, title="Work on the quarterly sales deck slides"), "--ART"),
    ("enhance-without-amount", replace(GOOD, title="Enhance the onboarding documentation for new hires"), "--ART"),
    ("focus-on-with-number", replace(GOOD, title="Focus on the 20 largest accounts this quarter"), "SMART"),
    ("awesome-is-not-some", replace(GOOD, title="Ship an awesome onboarding flow for new markets"), "S-ART"),
    ("some-is-vague", replace(GOOD, title="Call some churned customers about pricing"), "--ART"),
    ("some-with-amount", replace(GOOD, title="Call some 8 churned customers about pricing"), "SMART"),
    ("wait-time-minutes", replace(GOOD, title="Cut average wait time from 6 to 4 minutes"), "SMART"),
    ("certifications-count", replace(GOOD, title="Finish 3 AWS certifications before the end of June"), "SMART"),
    ("revenue-in-currency", replace(GOOD, title="Close $250k of new annual recurring revenue"), "SMART"),
    # Measurable
    (
        "okr-without-key-results",
        replace(GOOD, title="Delight our enterprise customers", framework=Framework.OKR, aligned=True),
        "S-ART",
    ),
    (
        "okr-with-six-key-results",
        replace(
            GOOD,
            title="Delight our enterprise customers",
            framework=Framework.OKR,
            key_results=tuple(kr(f"Key result number {i}") for i in range(6)),
        ),
        "S-ART",
    ),
    (
        "okr-with-three-key-results",
        replace(GOOD, title="Delight our enterprise customers", framework=Framework.OKR, key_results=THREE_KRS),
        "SMART",
    ),
    (
        "okr-with-five-key-results",
        replace(
            GOOD,
            title="Delight our enterprise customers",
            framework=Framework.OKR,
            key_results=tuple(kr(f"Key result number {i}") for i in range(5)),
        ),
        "SMART",
    ),
    (
        "number-key-result-without-unit",
        replace(
            GOOD,
            title="Delight our enterprise customers",
            framework=Framework.OKR,
            key_results=(kr("Renewals signed", unit=""), kr("CSAT", unit="%", metric_type="percentage")),
        ),
        "S-ART",
    ),
    (
        "unit-of-blanks-is-no-unit",
        replace(GOOD, key_results=(kr("Demos booked", unit="   "),)),
        "S-ART",
    ),
    (
        "yes-no-key-result-needs-no-unit",
        replace(
            GOOD,
            title="Launch the partner programme in the DACH region",
            key_results=(kr("Programme launched", unit="", metric_type="boolean"),),
        ),
        "SMART",
    ),
    (
        "plan-without-steps",
        replace(GOOD, title="Become a project manager within two years", framework=Framework.PLAN),
        "S-ART",
    ),
    (
        "plan-with-steps",
        replace(
            GOOD,
            title="Become a project manager within two years",
            framework=Framework.PLAN,
            milestone_count=4,
            dated_milestone_count=4,
        ),
        "SMART",
    ),
    ("smart-without-number", replace(GOOD, title="Publish the new onboarding guide for sales hires"), "S-ART"),
    # Achievable
    ("seven-active-goals-limit-five", replace(GOOD, owner_active_goals=7, max_active_goals=5), "SM-RT"),
    ("five-active-goals-limit-five", replace(GOOD, owner_active_goals=5, max_active_goals=5), "SMART"),
    ("slow-pace", replace(GOOD, progress=0.1, expected=0.5), "SM-RT"),
    ("steady-pace", replace(GOOD, progress=0.3, expected=0.5), "SMART"),
    ("too-early-to-judge-pace", replace(GOOD, progress=0.0, expected=0.2), "SMART"),
    ("slow-but-closed", replace(GOOD, progress=0.1, expected=0.9, is_open=False, due_date=date(2026, 4, 30)), "SMART"),
    # Relevant
    ("unaligned-without-why", replace(GOOD, description="Lots of detail about the funnel."), "SMA-T"),
    (
        "so-that",
        replace(GOOD, description="We will test two new follow-up emails so that fewer leads go cold."),
        "SMART",
    ),
    ("because", replace(GOOD, description="Because churned leads cost us a fortune."), "SMART"),
    ("also-is-not-so-i", replace(GOOD, description="We will also invite two partners to the pilot."), "SMA-T"),
    ("why-marker-in-capitals", replace(GOOD, description="In order to hit plan, we double outbound."), "SMART"),
    ("aligned-to-team-goal", replace(GOOD, description="", aligned=True), "SMART"),
    ("career-goal", replace(GOOD, description="", is_career_goal=True), "SMART"),
    # Time-bound
    ("no-due-date", replace(GOOD, due_date=None), "SMAR-"),
    ("due-after-cycle-end", replace(GOOD, due_date=CYCLE_END + timedelta(days=1)), "SMAR-"),
    ("due-on-cycle-end", replace(GOOD, due_date=CYCLE_END), "SMART"),
    ("open-ended-career-goal", replace(GOOD, due_date=date(2028, 12, 31), cycle_end=None), "SMART"),
    ("past-due-while-open", replace(GOOD, due_date=TODAY - timedelta(days=1)), "SMAR-"),
    ("due-today", replace(GOOD, due_date=TODAY), "SMART"),
    ("past-due-but-closed", replace(GOOD, due_date=TODAY - timedelta(days=30), is_open=False), "SMART"),
    # Several letters at once
    (
        "vague-unmeasured-overloaded-undated",
        GoalFacts(title="Be more proactive", owner_active_goals=9, max_active_goals=5),
        "-----",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), [pytest.param(f, e, id=i) for i, f, e in CASES])
def test_smart_letters(facts, expected):
    report = smart.check(facts, today=TODAY)

    assert "".join(c.letter for c in report.letters) == LETTERS
    got = "".join(c.letter if c.ok else "-" for c in report.letters)
    assert got == expected, [(c.letter, c.reason) for c in report.letters]
    for letter in report.letters:
        assert letter.reason.strip()
        if not letter.ok:
            assert letter.suggestion.strip(), f"{letter.letter} fails without a suggestion"
    assert report.passed == (expected == LETTERS)
    assert report.score == sum(1 for ch in expected if ch != "-")
    assert [c.letter for c in report.missing] == [LETTERS[i] for i, ch in enumerate(expected) if ch == "-"]


def test_the_table_covers_every_letter_failing_and_passing():
    assert len(CASES) >= 24
    for index, letter in enumerate(LETTERS):
        assert any(e[index] == "-" for _, _, e in CASES), f"no case where {letter} fails"
        assert any(e[index] == letter for _, _, e in CASES), f"no case where {letter} holds"


def test_vague_reason_names_the_vague_phrase():
    check = smart.check_specific(replace(GOOD, title="Get better at writing weekly status reports"))
    assert not check.ok
    assert "get better" in check.reason


def test_pace_reason_gives_the_projection():
    check = smart.check_achievable(replace(GOOD, progress=0.1, expected=0.5))
    assert "20 %" in check.reason


def test_time_bound_reason_names_both_dates():
    check = smart.check_time_bound(replace(GOOD, due_date=date(2026, 7, 15)), TODAY)
    assert "15 Jul 2026" in check.reason
    assert "30 Jun 2026" in check.reason


# --- through the services, on real goals ---------------------------------------------


def letters_of(report) -> str:
    return "".join(c.letter if c.ok else "-" for c in report.letters)


@pytest.mark.django_db
def test_smart_report_on_an_aligned_okr_with_key_results(gw):
    team_goal = services.goal_create(
        actor=gw.manager, title="Rockets become the fastest team", owner_team=gw.rockets, cycle=gw.cycle
    )
    goal = services.goal_create(
        actor=gw.member, title="Make onboarding effortless for new customers", cycle=gw.cycle, framework=Framework.OKR
    )
    assert letters_of(services.smart_report(goal))[1] == "-"  # no key results yet

    services.kr_create(
        actor=gw.member,
        goal=goal,
        title="Time to first value",
        unit="days",
        start_value=10,
        target_value=5,
        direction="decrease",
    )
    services.kr_create(
        actor=gw.member, goal=goal, title="Onboarding CSAT", metric_type="percentage", start_value=70, target_value=90
    )
    GoalAlignment.objects.create(organization=gw.org_a, child=goal, parent=team_goal)

    report = services.smart_report(goal)
    assert letters_of(report) == "SMART"
    assert report.passed


@pytest.mark.django_db
def test_smart_report_counts_the_owners_active_goals(gw):
    GoalSettings.objects.update_or_create(organization=gw.org_a, defaults={"max_active_goals": 5})
    goals = [
        services.goal_create(
            actor=gw.member,
            title=f"Publish {n} customer case studies this quarter",
            description="so that sales has proof",
            cycle=gw.cycle,
            status=GoalStatus.ACTIVE,
        )
        for n in range(1, 6)
    ]
    early = gw.cycle.starts_on  # before the pace can be judged
    assert services.smart_report(goals[0], today=early).letters[2].ok  # 5 active, limit 5

    services.goal_create(
        actor=gw.member, title="Run 2 webinars for new customers", cycle=gw.cycle, status=GoalStatus.ACTIVE
    )
    services.goal_create(
        actor=gw.teammate, title="Run 3 webinars for new customers", cycle=gw.cycle, status=GoalStatus.ACTIVE
    )

    achievable = services.smart_report(goals[0], today=early).letters[2]
    assert not achievable.ok  # 6 of the member's own goals are active; the teammate's do not count
    assert "6 active goals" in achievable.reason
    assert achievable.suggestion


@pytest.mark.django_db
def test_smart_report_without_due_date_or_past_the_cycle_is_not_time_bound(gw):
    undated = services.goal_create(actor=gw.member, title="Learn 2 new programming languages", description="because")
    assert undated.due_date is None
    assert letters_of(services.smart_report(undated))[4] == "-"

    late = services.goal_create(
        actor=gw.member,
        title="Learn 2 new programming languages",
        description="because",
        cycle=gw.cycle,
        due_date=gw.cycle.ends_on + timedelta(days=10),
    )
    check = services.smart_report(late).letters[4]
    assert not check.ok and "after the cycle ends" in check.reason and check.suggestion


@pytest.mark.django_db
def test_smart_report_counts_a_top_career_goal_as_relevant(gw):
    goal = services.goal_create(actor=gw.member, title="Earn the PMP certification by 2027", cycle=gw.cycle)
    assert not services.smart_report(goal).letters[3].ok

    profile = CareerProfile.objects.create(organization=gw.org_a, member=gw.member)
    CareerGoal.objects.create(organization=gw.org_a, profile=profile, rank=1, title="Become a PM", goal=goal)

    assert services.smart_report(goal).letters[3].ok


@pytest.mark.django_db
def test_smart_report_judges_the_pace_of_an_active_goal(gw):
    start = gw.cycle.starts_on
    goal = services.goal_create(
        actor=gw.member,
        title="Book 40 demos with new leads",
        description="so that",
        cycle=gw.cycle,
        status=GoalStatus.ACTIVE,
    )
    kr = services.kr_create(actor=gw.member, goal=goal, title="Demos booked", unit="demos", target_value=40)
    services.kr_set_value(actor=gw.member, kr=kr, value=4)  # 10 %
    goal.refresh_from_db()
    halfway = start + (gw.cycle.ends_on - start) / 2

    report = services.smart_report(goal, today=halfway)

    assert not report.letters[2].ok  # 10 % done at half time projects to 20 %
    assert services.smart_report(goal, today=start + timedelta(days=3)).letters[2].ok  # too early to tell
