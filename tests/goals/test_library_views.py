"""Template library, template use (draft goals with key results, SMART preview), org templates and cycles.

People come from the ``gw`` world of tests/goals/conftest.py: ``member`` of org A, ``admin``
of org A, ``outsider`` (admin) of org B; ``gw.cycle`` is org A's current quarter.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.goals import catalog, services
from apps.goals.models import Cycle, Goal, GoalStatus, GoalTemplate, KeyResult, Milestone
from tests.conftest import HTMX, assert_fragment, assert_page

LIBRARY = reverse("goals:templates")
CYCLES = reverse("goals:cycles")
CREATE = reverse("goals:template_create")


def use_url(key: str) -> str:
    return reverse("goals:template_use", args=[key])


def org_use_url(row: GoalTemplate) -> str:
    return reverse("goals:org_template_use", args=[row.public_id])


@pytest.fixture
def member_c(gw, client_for):
    return client_for(gw.member)


@pytest.fixture
def admin_c(gw, client_for):
    return client_for(gw.admin)


@pytest.fixture
def outsider_c(gw, client_for):
    return client_for(gw.outsider)


def make_org_template(organization, actor, **extra) -> GoalTemplate:
    return GoalTemplate.objects.create(
        organization=organization,
        title=extra.pop("title", "Cut onboarding time by [percentage] by [date]"),
        role=extra.pop("role", "People partner"),
        industry=extra.pop("industry", "hr"),
        framework="smart",
        why="Because new people become productive sooner.",
        involves="Map the first week and remove waiting.",
        created_by=actor,
        **extra,
    )


def lead_conversion_data(gw, **overrides) -> dict:
    return {
        "blank_0": "15",  # [percentage]
        "blank_1": "2 weeks",  # [timeframe]
        "blank_2": "HubSpot",  # [CRM tool]
        "cycle": str(gw.cycle.public_id),
        "due_date": gw.cycle.ends_on.isoformat(),
        "visibility": "org",
        **overrides,
    }


# --- library -------------------------------------------------------------------------


def test_library_lists_every_built_in_template_and_the_organizations_own(gw, member_c):
    make_org_template(gw.org_a, gw.admin)
    make_org_template(gw.org_b, gw.outsider, title="Bluebird secret template [number]")
    html = assert_page(member_c.get(LIBRARY), "Template library", "Your organization&#x27;s templates")
    assert f"<strong>{len(catalog.TEMPLATES) + 1}</strong> templates" in html
    for template in catalog.TEMPLATES:
        assert use_url(template.key) in html
    assert "Cut onboarding time" in html
    assert "Bluebird secret" not in html


def test_library_highlights_blanks_and_shows_why_it_matters(gw, member_c):
    html = member_c.get(LIBRARY).content.decode()
    assert '<mark class="blank">' in html
    assert catalog.get("sales-lead-conversion").why.split(".")[0] in html.replace("&#x27;", "'")


def test_library_filters_by_function_stage_role_and_text(gw, member_c):
    html = member_c.get(LIBRARY, {"industry": "sales"}).content.decode()
    assert use_url("sales-lead-conversion") in html
    assert use_url("marketing-organic-traffic") not in html
    html = member_c.get(LIBRARY, {"stage": "senior"}).content.decode()
    assert use_url("senior-mentor-people") in html
    assert use_url("early-master-tool") not in html
    html = member_c.get(LIBRARY, {"role": "Auditor"}).content.decode()
    assert use_url("audit-control-weaknesses") in html
    assert use_url("sales-lead-conversion") not in html
    html = member_c.get(LIBRARY, {"q": "forecast accuracy"}).content.decode()
    assert "<strong>1</strong> of" in html
    assert use_url("finance-forecast-accuracy") in html


def test_library_with_no_match_says_so_and_offers_a_way_back(gw, member_c):
    html = assert_page(member_c.get(LIBRARY, {"q": "zeppelin"}), "No template matches")
    assert f'href="{LIBRARY}"' in html


def test_library_ignores_an_unknown_filter_value(gw, member_c):
    html = assert_page(member_c.get(LIBRARY, {"industry": "piracy"}))
    assert f"<strong>{len(catalog.TEMPLATES)}</strong> templates" in html


def test_library_with_htmx_returns_only_the_results(gw, member_c):
    html = assert_fragment(member_c.get(LIBRARY, {"industry": "support"}, **HTMX), 'id="template-results"')
    assert use_url("support-escalations") in html
    assert use_url("sales-lead-conversion") not in html


def test_library_filter_form_works_without_javascript_and_live_with_htmx(gw, member_c):
    html = member_c.get(LIBRARY).content.decode()
    assert f'method="get" action="{LIBRARY}"' in html
    assert 'hx-trigger="input changed delay:250ms' in html
    assert 'hx-target="#template-results"' in html


def test_library_refuses_post(gw, member_c):
    assert member_c.post(LIBRARY).status_code == 405


def test_library_queries_do_not_grow_with_organization_templates(gw, member_c, django_assert_max_num_queries):
    for n in range(8):
        make_org_template(gw.org_a, gw.admin, title=f"Template {n} with [number] things")
    with django_assert_max_num_queries(8):
        assert member_c.get(LIBRARY).status_code == 200


def test_library_offers_add_a_template_to_admins_only(gw, member_c, admin_c):
    assert CREATE not in member_c.get(LIBRARY).content.decode()
    assert CREATE in admin_c.get(LIBRARY).content.decode()


# --- using a template ----------------------------------------------------------------


def test_template_use_has_one_field_per_blank_labelled_by_its_name(gw, member_c):
    html = assert_page(member_c.get(use_url("sales-lead-conversion")), "Fill in the blanks")
    assert 'name="blank_0"' in html and 'name="blank_1"' in html and 'name="blank_2"' in html
    assert 'name="blank_3"' not in html
    assert ">Percentage</mark>" in html and ">Timeframe</mark>" in html and ">CRM tool</mark>" in html
    assert 'type="number" name="blank_0"' in html
    assert "the % sign is added for you" in html
    assert 'type="text" name="blank_1"' in html and "6 months" in html


def test_template_use_asks_for_a_date_with_a_date_input(gw, member_c):
    html = member_c.get(use_url("it-projects-on-budget")).content.decode()
    assert 'type="number" name="blank_0"' in html  # [number]
    assert 'type="date" name="blank_1"' in html  # [date]


def test_template_use_offers_only_the_organizations_cycles(gw, member_c):
    html = member_c.get(use_url("sales-lead-conversion")).content.decode()
    assert str(gw.cycle.public_id) in html
    assert str(gw.cycle_b.public_id) not in html


def test_unknown_template_is_a_404(gw, member_c):
    assert member_c.get(use_url("no-such-template")).status_code == 404


def test_template_use_refuses_other_methods(gw, member_c):
    assert member_c.put(use_url("sales-lead-conversion")).status_code == 405
    assert member_c.delete(use_url("sales-lead-conversion")).status_code == 405


def test_template_use_live_preview_is_a_fragment_with_the_filled_title_and_smart_check(gw, member_c):
    response = member_c.get(use_url("sales-lead-conversion"), lead_conversion_data(gw), **HTMX)
    html = assert_fragment(response, 'id="template-preview"', "SMART check", "5 of 5")
    assert "15%" in html and "HubSpot" in html
    assert "Passes all five letters" in html
    assert not Goal.objects.exists()


def test_template_use_preview_shows_open_blanks_and_the_activation_gate(gw, member_c):
    response = member_c.get(use_url("sales-lead-conversion"), {"blank_0": "15", "cycle": ""}, **HTMX)
    html = assert_fragment(response, "blank--open", "can only be <strong>activated</strong> once all five letters pass")
    assert "CRM tool" in html and "Fill in 2 more blanks" in html
    assert "Passes all five letters" not in html


def test_template_use_preview_without_javascript_posts_and_saves_nothing(gw, member_c):
    response = member_c.post(use_url("sales-lead-conversion"), {**lead_conversion_data(gw), "preview": "1"})
    assert_page(response, "Your goal will read", "15%")
    assert not Goal.objects.exists()


def test_template_use_creates_a_draft_goal_with_its_key_results_and_no_blank_left(gw, member_c):
    response = member_c.post(use_url("sales-lead-conversion"), lead_conversion_data(gw))
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:detail", args=[goal.public_id])
    assert goal.status == GoalStatus.DRAFT
    assert goal.owner_member == gw.member and goal.cycle == gw.cycle
    assert goal.from_template == "sales-lead-conversion"
    assert goal.title == "Lift my lead-to-deal conversion by 15% within 2 weeks with a new follow-up cadence in HubSpot"
    assert "**Why:**" in goal.description and "What it involves" in goal.description
    krs = list(goal.key_results.order_by("position"))
    assert [kr.title for kr in krs] == ["Conversion rate gain", "Follow-up cadence live in HubSpot"]
    assert krs[0].metric_type == "percentage" and krs[0].target_value == 15
    assert krs[1].metric_type == "boolean"
    assert all("[" not in kr.title for kr in krs)


def test_template_use_with_htmx_redirects_the_client(gw, member_c):
    response = member_c.post(use_url("sales-lead-conversion"), lead_conversion_data(gw), **HTMX)
    goal = Goal.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("goals:detail", args=[goal.public_id])


def test_template_use_takes_the_due_date_from_the_date_blank(gw, member_c):
    due = gw.cycle.ends_on - timedelta(days=1)
    data = {"blank_0": "2", "blank_1": due.isoformat(), "cycle": str(gw.cycle.public_id), "visibility": "team"}
    member_c.post(use_url("it-projects-on-budget"), data)
    goal = Goal.objects.get()
    assert goal.due_date == due
    assert goal.visibility == "team"
    assert goal.title == f"Deliver 2 projects on budget and on schedule by {due.day} {due:%b %Y}"


def test_template_use_creates_plan_steps_spaced_back_from_the_due_date(gw, member_c):
    due = timezone.localdate() + timedelta(days=120)
    data = {"blank_0": "AWS Solutions Architect", "blank_1": due.isoformat(), "cycle": "", "visibility": "org"}
    member_c.post(use_url("career-get-certified"), data)
    goal = Goal.objects.get()
    steps = list(goal.milestones.order_by("position"))
    assert goal.framework == "plan" and goal.cycle is None
    assert [s.title for s in steps][-1] == "Pass the AWS Solutions Architect exam"
    assert all(s.due_date for s in steps) and steps[-1].due_date == due
    assert [s.due_date for s in steps] == sorted(s.due_date for s in steps)


def test_template_use_with_a_missing_blank_shows_the_error_and_writes_nothing(gw, member_c):
    response = member_c.post(use_url("sales-lead-conversion"), lead_conversion_data(gw, blank_2=""))
    assert_page(response, "This field is required.")
    assert not Goal.objects.exists() and not KeyResult.objects.exists()


def test_template_use_refuses_a_zero_percentage(gw, member_c):
    response = member_c.post(use_url("sales-lead-conversion"), lead_conversion_data(gw, blank_0="0"))
    assert_page(response, "greater than or equal to 0.1")
    assert not Goal.objects.exists()


def test_template_use_refuses_another_organizations_cycle(gw, member_c):
    response = member_c.post(
        use_url("sales-lead-conversion"), lead_conversion_data(gw, cycle=str(gw.cycle_b.public_id))
    )
    assert_page(response, "Select a valid choice")
    assert not Goal.objects.exists()


def test_template_use_refuses_a_past_due_date(gw, member_c):
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = member_c.post(use_url("sales-lead-conversion"), lead_conversion_data(gw, due_date=past))
    assert_page(response, "The due date has passed")
    assert not Goal.objects.exists()


def test_template_use_shows_a_too_long_title_as_a_form_error(gw, member_c):
    data = {"blank_0": "10", "blank_1": "T" * 40, "blank_2": "X" * 80, "blank_3": "Y" * 80, "visibility": "org"}
    response = member_c.post(use_url("accounting-close-time"), data)
    assert response.status_code == 200
    assert 'class="errorlist nonfield"' in response.content.decode()
    assert not Goal.objects.exists()


# --- the SMART gate on activation ----------------------------------------------------


def test_a_template_goal_that_fails_smart_cannot_be_activated(gw, member_c):
    # Open-ended, no due date and a timeframe that is not a simple count: not time-bound.
    data = lead_conversion_data(gw, blank_1="a while", cycle="", due_date="")
    member_c.post(use_url("sales-lead-conversion"), data)
    goal = Goal.objects.get()
    assert goal.due_date is None
    assert not services.smart_report(goal).passed
    with pytest.raises(ValidationError, match="must pass the SMART check"):
        services.goal_activate(actor=gw.member, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT


def test_a_template_goal_with_a_due_date_and_numbers_can_be_activated(gw, member_c):
    member_c.post(use_url("sales-lead-conversion"), lead_conversion_data(gw))
    goal = Goal.objects.get()
    assert services.smart_report(goal).passed
    services.goal_activate(actor=gw.member, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE


def test_the_preview_predicts_the_activation_gate(gw, member_c):
    failing = lead_conversion_data(gw, blank_1="a while", cycle="", due_date="")
    html = member_c.get(use_url("sales-lead-conversion"), failing, **HTMX).content.decode()
    assert "There is no due date." in html and "4 of 5" in html


# --- organization templates ----------------------------------------------------------


def test_org_template_use_fills_the_organizations_template(gw, member_c):
    row = make_org_template(gw.org_a, gw.admin)
    due = gw.cycle.ends_on
    html = assert_page(member_c.get(org_use_url(row)), 'name="blank_0"', 'type="date" name="blank_1"')
    assert "Cut onboarding time" in html
    data = {"blank_0": "20", "blank_1": due.isoformat(), "cycle": str(gw.cycle.public_id), "visibility": "org"}
    response = member_c.post(org_use_url(row), data)
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert goal.title == f"Cut onboarding time by 20% by {due.day} {due:%b %Y}"
    assert goal.from_template == f"org:{row.public_id}"


def test_another_organizations_template_is_a_404(gw, member_c):
    row = make_org_template(gw.org_b, gw.outsider)
    assert member_c.get(org_use_url(row)).status_code == 404
    assert member_c.post(org_use_url(row), {"blank_0": "5"}).status_code == 404
    assert not Goal.objects.exists()


def test_org_template_use_preview_is_a_fragment(gw, member_c):
    row = make_org_template(gw.org_a, gw.admin)
    assert_fragment(member_c.get(org_use_url(row), {"blank_0": "20"}, **HTMX), "20%")


def test_org_template_create_is_for_admins(gw, admin_c):
    assert_page(admin_c.get(CREATE), "Add an organization template", 'name="why"')
    data = {
        "title": "Halve the time to first commit for new engineers by [date]",
        "role": "Engineering manager",
        "industry": "engineering",
        "career_stage": "",
        "framework": "smart",
        "why": "Because people who ship in week one stay engaged.",
        "involves": "A ready laptop, a starter issue, a buddy.",
    }
    response = admin_c.post(CREATE, data)
    assert response.status_code == 302 and response["Location"] == LIBRARY
    row = GoalTemplate.objects.get()
    assert row.organization == gw.org_a and row.created_by == gw.admin
    assert "Halve the time" in admin_c.get(LIBRARY).content.decode()


def test_org_template_create_refuses_members(gw, member_c):
    assert member_c.get(CREATE).status_code == 403
    assert (
        member_c.post(CREATE, {"title": "X [number]", "why": "w", "involves": "i", "framework": "smart"}).status_code
        == 403
    )
    assert not GoalTemplate.objects.exists()


def test_org_template_create_with_broken_brackets_shows_the_error(gw, admin_c):
    data = {"title": "Cut time by [percentage by [date]", "framework": "smart", "why": "w", "involves": "i"}
    assert_page(admin_c.post(CREATE, data), "needs a matching")
    assert not GoalTemplate.objects.exists()


def test_org_template_create_with_htmx_returns_the_form_fragment(gw, admin_c):
    assert_fragment(admin_c.post(CREATE, {"title": ""}, **HTMX), 'id="template-form"', "This field is required.")


def test_org_template_create_refuses_other_methods(gw, admin_c):
    assert admin_c.put(CREATE).status_code == 405


def test_org_template_edit_changes_it_in_the_library(gw, admin_c):
    row = make_org_template(gw.org_a, gw.admin)
    url = reverse("goals:org_template_edit", args=[row.public_id])
    html = assert_page(admin_c.get(url), "Edit organization template", "Remove the template")
    assert f'value="{row.title}"' in html  # the form starts from what is saved
    assert f'href="{url}"' in admin_c.get(LIBRARY).content.decode()  # admins get an Edit link on the card
    data = {
        "title": "Answer [percentage] of support tickets within [timeframe]",
        "role": "Support lead",
        "industry": "",
        "career_stage": "",
        "framework": "okr",
        "why": "Customers who hear back fast stay.",
        "involves": "A rota and a macro library.",
    }
    response = admin_c.post(url, data)
    assert response.status_code == 302 and response["Location"] == LIBRARY
    row.refresh_from_db()
    assert (row.title, row.role, row.framework) == (data["title"], "Support lead", "okr")
    library = admin_c.get(LIBRARY).content.decode()
    assert "of support tickets within" in library and "Cut onboarding time" not in library


def test_org_template_edit_with_an_error_changes_nothing(gw, admin_c):
    row = make_org_template(gw.org_a, gw.admin)
    before = row.title
    url = reverse("goals:org_template_edit", args=[row.public_id])
    data = {"title": "Cut time by [percentage by [date]", "framework": "smart", "why": "w", "involves": "i"}
    assert_page(admin_c.post(url, data), "needs a matching")
    row.refresh_from_db()
    assert row.title == before


def test_org_template_edit_and_delete_are_for_admins(gw, member_c):
    row = make_org_template(gw.org_a, gw.admin)
    edit = reverse("goals:org_template_edit", args=[row.public_id])
    delete = reverse("goals:org_template_delete", args=[row.public_id])
    assert member_c.get(edit).status_code == 403
    assert (
        member_c.post(edit, {"title": "X [number]", "why": "w", "involves": "i", "framework": "smart"}).status_code
        == 403
    )
    assert member_c.post(delete).status_code == 403
    assert GoalTemplate.objects.get(pk=row.pk).title == row.title
    assert f'href="{edit}"' not in member_c.get(LIBRARY).content.decode()


def test_org_template_delete_removes_it_and_keeps_goals_made_from_it(gw, admin_c):
    row = make_org_template(gw.org_a, gw.admin)
    due = gw.cycle.ends_on
    data = {"blank_0": "20", "blank_1": due.isoformat(), "cycle": str(gw.cycle.public_id), "visibility": "org"}
    assert admin_c.post(org_use_url(row), data).status_code == 302
    made = Goal.objects.get(from_template=f"org:{row.public_id}")
    goals_before = Goal.objects.count()
    delete = reverse("goals:org_template_delete", args=[row.public_id])
    assert admin_c.get(delete).status_code == 405
    response = admin_c.post(delete)
    assert response.status_code == 302 and response["Location"] == LIBRARY
    assert not GoalTemplate.objects.filter(pk=row.pk).exists()
    assert Goal.objects.count() == goals_before
    assert Goal.objects.get(pk=made.pk).title == made.title
    assert admin_c.get(org_use_url(row)).status_code == 404


# --- cycles --------------------------------------------------------------------------


def test_cycles_lists_the_organizations_cycles_read_only_for_members(gw, member_c):
    html = assert_page(member_c.get(CYCLES), gw.cycle.name, gw.next_cycle.name, "Admins manage them")
    assert "Create this and next quarter" not in html
    assert 'name="starts_on"' not in html


def test_cycles_refuses_a_member_who_posts(gw, member_c):
    count = Cycle.objects.count()
    assert member_c.post(CYCLES, {"quarters": "1"}).status_code == 403
    assert member_c.post(CYCLES, {"kind": "year", "starts_on": "2031-01-01"}).status_code == 403
    assert Cycle.objects.count() == count


def test_cycles_never_shows_another_organizations_cycles(gw, outsider_c):
    Cycle.objects.filter(pk=gw.cycle.pk).update(name="Acme secret quarter")
    Cycle.objects.filter(pk=gw.cycle_b.pk).update(name="Bluebird quarter")
    html = assert_page(outsider_c.get(CYCLES), "Bluebird quarter")
    assert "Acme secret quarter" not in html


def test_admin_creates_this_and_next_quarter_once(gw, admin_c):
    Cycle.objects.filter(organization=gw.org_a).delete()
    response = admin_c.post(CYCLES, {"quarters": "1"})
    assert response.status_code == 302
    assert Cycle.objects.filter(organization=gw.org_a).count() == 2
    admin_c.post(CYCLES, {"quarters": "1"})
    assert Cycle.objects.filter(organization=gw.org_a).count() == 2


def test_admin_creates_a_half_year_cycle_with_computed_end_and_name(gw, admin_c):
    response = admin_c.post(CYCLES, {"kind": "half", "starts_on": "2031-07-01", "ends_on": "", "name": ""})
    assert response.status_code == 302
    cycle = Cycle.objects.get(organization=gw.org_a, name="H2 2031")
    assert cycle.starts_on == date(2031, 7, 1) and cycle.ends_on == date(2031, 12, 31)


def test_admin_creates_a_custom_cycle(gw, admin_c):
    data = {"kind": "custom", "starts_on": "2031-02-01", "ends_on": "2031-05-15", "name": "Spring push"}
    admin_c.post(CYCLES, data)
    assert Cycle.objects.filter(organization=gw.org_a, name="Spring push", ends_on=date(2031, 5, 15)).exists()


def test_cycle_that_ends_before_it_starts_shows_the_error_and_writes_nothing(gw, admin_c):
    count = Cycle.objects.count()
    data = {"kind": "custom", "starts_on": "2031-05-01", "ends_on": "2031-04-01", "name": "Backwards"}
    assert_page(admin_c.post(CYCLES, data), "The cycle must end after it starts.")
    assert Cycle.objects.count() == count


def test_cycle_name_already_taken_is_explained(gw, admin_c):
    start = gw.cycle.starts_on
    data = {"kind": "quarter", "starts_on": start.isoformat(), "ends_on": "", "name": ""}
    assert_page(admin_c.post(CYCLES, data), f"A cycle named “{gw.cycle.name}” already exists")


def test_cycles_with_htmx_returns_the_panel(gw, admin_c):
    html = assert_fragment(admin_c.post(CYCLES, {"quarters": "1"}, **HTMX), 'id="cycles-panel"', "Ready:")
    assert gw.cycle.name in html
    assert_fragment(admin_c.get(CYCLES, **HTMX), 'id="cycles-panel"')


def test_cycles_refuses_other_methods(gw, admin_c):
    assert admin_c.delete(CYCLES).status_code == 405


def test_goal_from_template_counts_milestones_once(gw, member_c):
    due = timezone.localdate() + timedelta(days=200)
    data = {"blank_0": due.isoformat(), "blank_1": "2", "cycle": "", "visibility": "org"}
    member_c.post(use_url("career-become-project-manager"), data)
    goal = Goal.objects.get()
    assert Milestone.objects.filter(goal=goal).count() == 4
    assert "Manage 2 smaller projects end to end" in goal.milestones.values_list("title", flat=True)
