"""The built-in template catalog: coverage of PRODUCT.md's catalog, blanks, filling and search."""

import re
from datetime import date
from decimal import Decimal

import pytest

from apps.goals import catalog, smart
from apps.goals.template_services import Answers, description_for

# Every role line of PRODUCT.md's "Template catalog".
PRODUCT_ROLES = [
    "Sales representative",
    "Marketing manager",
    "Social media manager",
    "Software engineer",
    "Data scientist",
    "IT project manager",
    "Financial analyst",
    "Accountant",
    "Auditor",
    "HR manager",
    "Training specialist",
    "Customer service representative",
    "Customer service manager",
    "Technical support specialist",
]
PRODUCT_INDUSTRIES = [
    "sales",
    "marketing",
    "engineering",
    "data",
    "it",
    "finance",
    "accounting",
    "audit",
    "hr",
    "training",
    "customer-service",
    "support",
]
# Each career-stage line: (stage, words that identify its template).
STAGE_LINES = [
    ("early", "master [tool] [timeframe]"),
    ("early", "professionals [number] month"),
    ("early", "volunteer [project] [date]"),
    ("mid", "lead [initiative] [date]"),
    ("mid", "training [topic] [number]"),
    ("mid", "present [event] [date]"),
    ("senior", "mentor [number] [date]"),
    ("senior", "process improvements [number] [percentage]"),
    ("senior", "strategic plan [area] [date]"),
]
# Each career goal of PRODUCT.md, and a word its template's title must contain.
CAREER_GOALS = {
    "gain leadership experience": "leadership experience",
    "go back to school": "school",
    "get certified": "certification",
    "hone existing skills": "sharpen my [skill]",
    "start coaching": "start coaching",
    "become a mentor": "become a mentor",
    "attend a workshop or conference": "attend [event]",
}

SAMPLE = {
    catalog.PERCENTAGE: Decimal("15"),
    catalog.NUMBER: Decimal("3"),
    catalog.DATE: date(2030, 3, 31),
    catalog.TIMEFRAME: "6 months",
}


def sample_answers(template: catalog.Template) -> Answers:
    values = {name: SAMPLE.get(catalog.blank_kind(name), f"Acme {name}") for name in template.blanks}
    return Answers(values=values, template=template)


# --- coverage ------------------------------------------------------------------------


def test_the_catalog_has_about_forty_templates_with_unique_url_safe_keys():
    keys = [t.key for t in catalog.TEMPLATES]
    assert 38 <= len(keys) <= 50
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) for key in keys)


@pytest.mark.parametrize("role", PRODUCT_ROLES)
def test_every_product_role_has_a_role_template(role):
    found = catalog.search(role=role, category=catalog.ROLE)
    assert found, f"no template for {role}"
    assert all(t.industry in catalog.INDUSTRIES for t in found)


@pytest.mark.parametrize("industry", PRODUCT_INDUSTRIES)
def test_every_industry_or_function_has_templates(industry):
    assert catalog.search(industry=industry)


@pytest.mark.parametrize(("stage", "words"), STAGE_LINES)
def test_every_career_stage_line_has_a_template_at_that_stage(stage, words):
    matches = [
        t
        for t in catalog.search(stage=stage, category=catalog.STAGE)
        if all(word.lower() in t.title.lower() for word in words.split())
    ]
    assert matches, f"no {stage} template with {words!r}"


def test_each_career_stage_has_at_least_three_templates():
    for stage in catalog.CAREER_STAGES:
        assert len(catalog.search(stage=stage, category=catalog.STAGE)) >= 3


@pytest.mark.parametrize(("goal", "marker"), CAREER_GOALS.items())
def test_every_product_career_goal_has_a_template(goal, marker):
    titles = [t.title.lower() for t in catalog.search(category=catalog.CAREER)]
    assert any(marker.lower() in title for title in titles), goal


def test_a_backward_plan_template_teaches_the_project_manager_path():
    template = catalog.get("career-become-project-manager")
    assert template.framework == "plan"
    assert [s.split()[0] for s in template.steps] == ["Take", "Earn", "Manage", "Lead"]


@pytest.mark.parametrize("template", catalog.TEMPLATES, ids=lambda t: t.key)
def test_every_template_is_complete_and_well_formed(template):
    assert template.blanks, "a template has at least one blank"
    assert template.framework in ("smart", "okr", "plan")
    assert template.horizon in ("short", "mid", "long")
    assert template.category in (catalog.ROLE, catalog.STAGE, catalog.CAREER)
    assert template.role
    assert len(template.why) >= 80 and len(template.involves) >= 80
    if template.category == catalog.STAGE:
        assert template.career_stage in catalog.CAREER_STAGES
    if template.framework == "okr":
        assert 2 <= len(template.key_results) <= 5
    if template.framework == "plan":
        assert len(template.steps) >= 3
    numeric = {n for n in template.blanks if catalog.blank_kind(n) in (catalog.PERCENTAGE, catalog.NUMBER)}
    for kr in template.key_results:
        if kr.metric_type == "number":
            assert kr.unit, f"{kr.title} needs a unit"
        target_blanks = catalog.blanks(kr.target)
        assert not target_blanks or target_blanks[0] in numeric, f"{kr.title} target must be a number blank"


@pytest.mark.parametrize("template", catalog.TEMPLATES, ids=lambda t: t.key)
def test_every_template_filled_in_reads_as_a_specific_measurable_relevant_goal(template):
    answers = sample_answers(template)
    filled = answers.filled
    assert answers.missing == []
    assert "[" not in filled.title and "]" not in filled.title
    assert all("[" not in kr.title for kr in filled.key_results)
    assert all("[" not in step for step in filled.steps)
    assert len(filled.title) <= 200
    for kr in filled.key_results:
        assert catalog.resolve_target(kr, answers.numbers) is not None
    facts = smart.GoalFacts(
        title=filled.title,
        description=description_for(template),
        framework=template.framework,
        key_results=tuple(smart.KeyResultFacts(kr.title, kr.metric_type, kr.unit) for kr in filled.key_results),
        milestone_count=len(filled.steps),
        due_date=date(2030, 3, 31),
    )
    report = smart.check(facts, today=date(2030, 1, 1))
    assert report.passed, [(c.name, c.reason) for c in report.missing]


def test_titles_are_written_in_our_own_words_not_copied_from_the_product_brief():
    copied = [
        "raise lead conversion by [percentage] in [timeframe] with a new follow-up sequence in [crm tool]",
        "raise organic search traffic by [percentage] in [timeframe] by optimising [number] landing pages",
        "cut month-end close time by [percentage] in [timeframe] by automating [tasks] with [tool]",
        "find and address [number] internal-control weaknesses by [date]",
    ]
    titles = {t.title.lower() for t in catalog.TEMPLATES}
    assert not titles & set(copied)


# --- blanks --------------------------------------------------------------------------


def test_blanks_are_listed_in_order_once_each():
    title = "Cut [number] minutes in [timeframe], then [number] more by [date] using [ CRM tool ]"
    assert catalog.blanks(title) == ["number", "timeframe", "date", "CRM tool"]


def test_a_title_without_blanks_or_with_broken_brackets_has_none():
    assert catalog.blanks("Present a project update every month") == []
    assert catalog.blanks("Broken [bracket and ] stray [] [[x]]") == ["bracket and", "x"]


def test_a_template_lists_blanks_only_its_key_results_or_steps_use():
    template = catalog.get("career-become-project-manager")
    assert catalog.blanks(template.title) == ["date"]
    assert template.blanks == ["date", "number"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("percentage", catalog.PERCENTAGE),
        ("Percentage", catalog.PERCENTAGE),
        ("number", catalog.NUMBER),
        ("date", catalog.DATE),
        ("timeframe", catalog.TIMEFRAME),
        ("CRM tool", catalog.TEXT),
        ("platform", catalog.TEXT),
    ],
)
def test_a_blank_name_says_what_kind_of_answer_it_wants(name, kind):
    assert catalog.blank_kind(name) == kind


# --- fill ----------------------------------------------------------------------------


def test_fill_replaces_every_occurrence_of_each_blank():
    title = "Ship [number] models; then [number] more in [timeframe]"
    assert catalog.fill(title, {"number": "3", "timeframe": "a quarter"}) == "Ship 3 models; then 3 more in a quarter"


def test_fill_leaves_blanks_without_a_value_in_place():
    title = "Gain [number] followers on [platform] within [timeframe]"
    assert (
        catalog.fill(title, {"number": 500, "platform": "  "}) == "Gain 500 followers on [platform] within [timeframe]"
    )


def test_display_values_read_naturally_in_a_title():
    assert catalog.display_value(catalog.PERCENTAGE, Decimal("15.00")) == "15%"
    assert catalog.display_value(catalog.PERCENTAGE, Decimal("2.5")) == "2.5%"
    assert catalog.display_value(catalog.NUMBER, Decimal("12.00")) == "12"
    assert catalog.display_value(catalog.DATE, date(2027, 3, 5)) == "5 Mar 2027"
    assert catalog.display_value(catalog.TEXT, "  HubSpot ") == "HubSpot"
    assert catalog.display_value(catalog.NUMBER, None) == ""


def test_segments_mark_filled_and_open_blanks():
    pieces = catalog.segments("Gain [number] followers on [platform]", {"number": "50"})
    assert pieces == [
        ("Gain ", None, False),
        ("50", "number", True),
        (" followers on ", None, False),
        ("platform", "platform", False),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 months", date(2027, 7, 31)),
        ("1 month", date(2027, 2, 28)),  # 31 Jan + 1 month: the last day of February
        ("2 quarters", date(2027, 7, 31)),
        ("8 weeks", date(2027, 3, 28)),
        ("10 days", date(2027, 2, 10)),
        ("1 year", date(2028, 1, 31)),
        ("a while", None),
        ("", None),
    ],
)
def test_a_simple_timeframe_counts_forward_from_a_start_date(text, expected):
    assert catalog.timeframe_end(text, start=date(2027, 1, 31)) == expected


# --- lookups and search --------------------------------------------------------------


def test_get_returns_a_template_or_none():
    assert catalog.get("sales-lead-conversion").role == "Sales representative"
    assert catalog.get("no-such-template") is None


def test_search_combines_filters():
    sales = catalog.search(industry="sales")
    assert sales and all(t.industry == "sales" for t in sales)
    assert catalog.search(industry="sales", stage="senior") == []
    early = catalog.search(stage="early")
    assert early and all(t.career_stage == "early" for t in early)


def test_text_search_needs_every_word_somewhere_in_the_template():
    found = catalog.search(text="  Forecast   ACCURACY ")
    assert [t.key for t in found] == ["finance-forecast-accuracy"]
    assert catalog.search(text="forecast zeppelin") == []


def test_roles_are_sorted_with_any_role_last():
    roles = catalog.roles()
    assert roles[-1] == catalog.ANY_ROLE
    assert roles[:-1] == sorted(roles[:-1], key=str.lower)
    assert set(PRODUCT_ROLES) <= set(roles)


def test_an_organization_template_takes_the_catalog_shape():
    class Row:
        public_id = "8a1d3c4e-0000-4000-8000-000000000001"
        title = "Cut onboarding time by [percentage] by [date]"
        role = ""
        industry = "Customer service"
        career_stage = "mid"
        framework = "smart"
        why = "Because new people are productive sooner."
        involves = "Map the first week."

    template = catalog.from_org_template(Row())
    assert template.key == f"org:{Row.public_id}"
    assert template.is_org and template.role == catalog.ANY_ROLE
    assert template.industry == "customer-service"
    assert template.blanks == ["percentage", "date"]
