"""The built-in goal template catalog: ready goals with [blanks] to fill in.

Pure data and a few pure functions (no database). Organization templates live in
``GoalTemplate`` rows and are turned into the same ``Template`` shape by
``from_org_template`` so pages and services treat both alike.

A title's blanks are written in square brackets: ``[percentage]``, ``[timeframe]``,
``[number]``, ``[date]`` or any free-text name such as ``[CRM tool]``. The blank's
name says what kind of answer it wants (see ``blank_kind``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

BLANK_RE = re.compile(r"\[([^\[\]]{1,60})\]")

# --- vocabularies --------------------------------------------------------------------

ROLE, STAGE, CAREER, ORG = "role", "stage", "career", "org"
CATEGORIES = {
    ROLE: "Goals by role",
    STAGE: "Goals by career stage",
    CAREER: "Career goals",
    ORG: "Your organization's templates",
}

EARLY, MID, SENIOR = "early", "mid", "senior"
CAREER_STAGES = {EARLY: "Early career", MID: "Mid career", SENIOR: "Senior"}

INDUSTRIES = {
    "sales": "Sales",
    "marketing": "Marketing",
    "engineering": "Engineering",
    "data": "Data",
    "it": "IT",
    "finance": "Finance",
    "accounting": "Accounting",
    "audit": "Audit",
    "hr": "HR",
    "training": "Training",
    "customer-service": "Customer service",
    "support": "Support",
}

ANY_ROLE = "Any role"

FRAMEWORK_LABELS = {"smart": "SMART", "okr": "OKR", "plan": "Milestone plan"}
HORIZON_LABELS = {"short": "Weeks to months", "mid": "Months to a year", "long": "Years"}

# Blank kinds and how a form asks for them.
PERCENTAGE, NUMBER, DATE, TIMEFRAME, TEXT = "percentage", "number", "date", "timeframe", "text"


# --- shapes --------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedKeyResult:
    """A key result created with the goal. ``target`` is a number or a blank such as "[percentage]"."""

    title: str
    metric_type: str = "number"
    unit: str = ""
    target: str = "1"
    start: str = "0"
    direction: str = "increase"


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    role: str
    industry: str  # a key of INDUSTRIES, or "" for any
    career_stage: str  # early / mid / senior, or ""
    category: str  # role / stage / career / org
    framework: str  # smart / okr / plan
    horizon: str  # short / mid / long
    why: str
    involves: str
    key_results: tuple[SuggestedKeyResult, ...] = ()
    steps: tuple[str, ...] = ()  # for a plan: the first step first, the end result last
    public_id: str = ""  # set for an organization's template

    @property
    def is_org(self) -> bool:
        return self.category == ORG

    @property
    def blanks(self) -> list[str]:
        """Every blank to fill: the title's first, then any only the key results or steps use."""
        texts = [self.title, *(kr.title for kr in self.key_results), *(kr.target for kr in self.key_results)]
        return blanks(" ".join([*texts, *self.steps]))

    @property
    def industry_label(self) -> str:
        return INDUSTRIES.get(self.industry, self.industry)

    @property
    def stage_label(self) -> str:
        return CAREER_STAGES.get(self.career_stage, "")

    @property
    def framework_label(self) -> str:
        return FRAMEWORK_LABELS.get(self.framework, self.framework)

    @property
    def horizon_label(self) -> str:
        return HORIZON_LABELS.get(self.horizon, self.horizon)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def haystack(self) -> str:
        parts = [self.title, self.role, self.industry_label, self.stage_label, self.why, self.involves]
        parts += [kr.title for kr in self.key_results] + list(self.steps)
        return " ".join(parts).lower()


# --- blanks --------------------------------------------------------------------------


def blanks(title: str) -> list[str]:
    """The blanks in a title, in order of first appearance, each once."""
    seen: list[str] = []
    for match in BLANK_RE.finditer(title):
        name = match.group(1).strip()
        if name and name not in seen:
            seen.append(name)
    return seen


def blank_kind(name: str) -> str:
    """What a blank asks for: percentage, number, date, timeframe or free text."""
    lowered = name.strip().lower()
    if lowered in ("percentage", "percent", "%"):
        return PERCENTAGE
    if lowered in ("number", "count", "amount"):
        return NUMBER
    if lowered in ("date", "deadline"):
        return DATE
    if lowered in ("timeframe", "time frame", "period"):
        return TIMEFRAME
    return TEXT


def fill(title: str, values: Mapping[str, object]) -> str:
    """Replace each [blank] that has a non-empty value; blanks without one stay as they are."""

    def replace_blank(match: re.Match) -> str:
        value = values.get(match.group(1).strip())
        text = "" if value is None else str(value).strip()
        return text if text else match.group(0)

    return BLANK_RE.sub(replace_blank, title)


def segments(title: str, values: Mapping[str, object] | None = None) -> list[tuple[str, str | None, bool]]:
    """The title cut into (text, blank name or None, filled?) pieces, for highlighting blanks."""
    values = values or {}
    pieces: list[tuple[str, str | None, bool]] = []
    position = 0
    for match in BLANK_RE.finditer(title):
        if match.start() > position:
            pieces.append((title[position : match.start()], None, False))
        name = match.group(1).strip()
        value = values.get(name)
        text = "" if value is None else str(value).strip()
        pieces.append((text or name, name, bool(text)))
        position = match.end()
    if position < len(title):
        pieces.append((title[position:], None, False))
    return pieces


def display_value(kind: str, value) -> str:
    """A typed answer as it reads inside a goal title."""
    if value is None or value == "":
        return ""
    if kind in (PERCENTAGE, NUMBER):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        text = f"{number.normalize():f}"
        return f"{text}%" if kind == PERCENTAGE else text
    if kind == DATE and isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return str(value).strip()


TIMEFRAME_RE = re.compile(r"^\s*(\d{1,3})\s*(day|week|month|quarter|year)s?\s*$", re.IGNORECASE)


def timeframe_end(timeframe: str, *, start: date) -> date | None:
    """ "6 months" from ``start`` → a date; None when the text is not that simple."""
    match = TIMEFRAME_RE.match(timeframe or "")
    if not match:
        return None
    count, unit = int(match.group(1)), match.group(2).lower()
    if unit == "day":
        return start + timedelta(days=count)
    if unit == "week":
        return start + timedelta(weeks=count)
    months = count * {"month": 1, "quarter": 3, "year": 12}[unit]
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    # The same day of the month, or the month's last day when it is shorter.
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# --- the catalog ---------------------------------------------------------------------


def _kr(title: str, metric_type: str = "number", unit: str = "", target: str = "1", **extra) -> SuggestedKeyResult:
    return SuggestedKeyResult(title=title, metric_type=metric_type, unit=unit, target=target, **extra)


def _pct(title: str) -> SuggestedKeyResult:
    return _kr(title, "percentage", "%", "[percentage]")


def _yes(title: str) -> SuggestedKeyResult:
    return _kr(title, "boolean")


TEMPLATES: tuple[Template, ...] = (
    # --- by role ---------------------------------------------------------------------
    Template(
        key="sales-lead-conversion",
        title="Lift my lead-to-deal conversion by [percentage] within [timeframe] with a new follow-up cadence in [CRM tool]",
        role="Sales representative",
        industry="sales",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Most lost deals fade out rather than end in a clear no. A steady follow-up keeps you in the buyer's "
        "mind, so that more of the leads you already have turn into revenue without buying new ones.",
        involves="Measure today's conversion rate, write a cadence of four to six touches, build it in the CRM, "
        "enrol every new lead in it, and compare the conversion rate every month.",
        key_results=(_pct("Conversion rate gain"), _yes("Follow-up cadence live in [CRM tool]")),
    ),
    Template(
        key="sales-new-accounts",
        title="Sign [number] new accounts in [territory] by [date]",
        role="Sales representative",
        industry="sales",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="New logos widen the base the whole company grows from, and a named territory keeps your prospecting "
        "focused so that effort turns into meetings rather than scattered outreach.",
        involves="List the target companies in the territory, book discovery calls every week, track each deal's "
        "stage in the CRM, and review the pipeline with your manager every fortnight.",
        key_results=(_kr("New accounts signed in [territory]", unit="accounts", target="[number]"),),
    ),
    Template(
        key="marketing-organic-traffic",
        title="Grow organic search visits by [percentage] in [timeframe] by reworking [number] landing pages",
        role="Marketing manager",
        industry="marketing",
        career_stage="",
        category=ROLE,
        framework="okr",
        horizon="short",
        why="Visitors who arrive from search are already looking for what you sell. Ranking higher for the right "
        "queries lowers the cost of every lead because you stop paying for each click.",
        involves="Pick the pages with the most potential, research the queries people use, rewrite and speed up "
        "each page, fix internal links, and follow rankings and visits every week.",
        key_results=(
            _pct("Organic search visits growth"),
            _kr("Landing pages reworked", unit="pages", target="[number]"),
        ),
    ),
    Template(
        key="marketing-qualified-leads",
        title="Generate [number] marketing-qualified leads from [channel] within [timeframe]",
        role="Marketing manager",
        industry="marketing",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Sales can only close what marketing hands over. A lead target agreed with sales keeps campaigns "
        "honest, because it counts the people who are ready to talk rather than clicks.",
        involves="Agree with sales what makes a lead qualified, plan the campaigns for the channel, track the "
        "source of every lead, and drop the tactics that do not produce qualified ones.",
        key_results=(_kr("Qualified leads from [channel]", unit="leads", target="[number]"),),
    ),
    Template(
        key="social-followers-engagement",
        title="Gain [number] followers on [platform] within [timeframe] and lift engagement by [percentage]",
        role="Social media manager",
        industry="marketing",
        career_stage="",
        category=ROLE,
        framework="okr",
        horizon="short",
        why="An audience that comments and shares carries your message further than paid reach. Growing "
        "followers and engagement together means the new people actually care, which is what makes it pay off.",
        involves="Study which posts already work, set a publishing calendar, answer comments within a day, try "
        "two new formats a month, and report followers and engagement rate every week.",
        key_results=(
            _kr("New followers on [platform]", unit="followers", target="[number]"),
            _pct("Engagement rate gain"),
        ),
    ),
    Template(
        key="engineer-courses-certifications",
        title="Complete [number] courses or certifications in [technology] by [date]",
        role="Software engineer",
        industry="engineering",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="mid",
        why="Technology moves faster than any single project teaches. Structured learning fills the gaps your "
        "daily work leaves, so that you can take on harder problems and show it on paper.",
        involves="Choose the courses with your manager, block learning time every week, build a small project "
        "with what each course teaches, and share a short write-up with the team after each one.",
        key_results=(_kr("Courses or certifications completed in [technology]", unit="courses", target="[number]"),),
    ),
    Template(
        key="engineer-response-time",
        title="Cut the p95 response time of [service] by [percentage] by [date]",
        role="Software engineer",
        industry="engineering",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Slow responses cost users and money; the slowest five percent are the ones people remember. Fixing "
        "them makes the whole product feel faster, which helps retention.",
        involves="Measure the current p95 under real traffic, profile the slow paths, fix the biggest offender "
        "first, add a performance budget to CI, and watch the dashboard after every release.",
        key_results=(_pct("p95 response time reduction for [service]"),),
    ),
    Template(
        key="data-model-accuracy",
        title="Ship [number] models that raise [prediction] accuracy by [percentage] within [timeframe]",
        role="Data scientist",
        industry="data",
        career_stage="",
        category=ROLE,
        framework="okr",
        horizon="mid",
        why="A model only creates value once it is in production and better than what it replaces. Pairing "
        "shipping with an accuracy gain keeps the work tied to decisions people make with it.",
        involves="Agree the accuracy baseline and how it is measured, build and validate the candidates, ship "
        "behind a comparison with the current approach, and monitor drift after launch.",
        key_results=(
            _kr("Models in production", unit="models", target="[number]"),
            _pct("Accuracy gain on [prediction]"),
        ),
    ),
    Template(
        key="data-report-automation",
        title="Automate [number] recurring reports in [tool] by [date]",
        role="Data analyst",
        industry="data",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Hand-built reports eat hours every week and break quietly. Automating them frees your time for "
        "analysis that answers new questions, and people get numbers they can trust.",
        involves="List the reports by time spent, rebuild the most expensive one first, add checks that flag "
        "missing data, and retire the manual version once owners sign off.",
        key_results=(_kr("Reports automated in [tool]", unit="reports", target="[number]"),),
    ),
    Template(
        key="it-projects-on-budget",
        title="Deliver [number] projects on budget and on schedule by [date]",
        role="IT project manager",
        industry="it",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="mid",
        why="Projects that finish on time and on budget build trust with the business, which is what earns IT a "
        "say in the next round of decisions.",
        involves="Baseline scope, budget and dates for each project, review risks every week, report status "
        "honestly with a clear red/amber/green, and hold a short retrospective after each delivery.",
        key_results=(_kr("Projects delivered on budget and on schedule", unit="projects", target="[number]"),),
    ),
    Template(
        key="it-downtime",
        title="Reduce unplanned downtime of [system] by [percentage] within [timeframe]",
        role="IT project manager",
        industry="it",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Every outage stops people from working and erodes trust in IT. Fewer incidents mean calmer weeks "
        "for everyone, because time goes to improvements instead of firefighting.",
        involves="Collect the incidents of the last months, group them by root cause, fix the top causes, add "
        "monitoring that warns before users notice, and review every new incident within a week.",
        key_results=(_pct("Unplanned downtime reduction for [system]"),),
    ),
    Template(
        key="finance-forecast-accuracy",
        title="Raise forecast accuracy by [percentage] within [timeframe]",
        role="Financial analyst",
        industry="finance",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Leaders plan hiring and spending on your forecast. A more accurate one prevents both cash surprises "
        "and missed opportunities, which is why it is worth measuring.",
        involves="Compare past forecasts with actuals to see where they miss, improve the drivers behind the "
        "biggest misses, agree inputs with budget owners earlier, and track the error every month.",
        key_results=(_pct("Forecast accuracy gain"),),
    ),
    Template(
        key="finance-rolling-forecast",
        title="Replace the annual budget with a [number]-month rolling forecast by [date]",
        role="Financial analyst",
        industry="finance",
        career_stage="",
        category=ROLE,
        framework="plan",
        horizon="mid",
        why="A budget set once a year is out of date within months. A rolling forecast keeps decisions based on "
        "current numbers, so that the business can react sooner.",
        involves="Work backwards from the first live forecast: what must be true the month before, and the month "
        "before that, down to what to agree with budget owners this week.",
        steps=(
            "Agree the forecast drivers with each budget owner",
            "Build the driver-based model and load last year's actuals",
            "Run the forecast in parallel with the budget for one month",
            "Present the first rolling forecast to the leadership team",
        ),
    ),
    Template(
        key="accounting-close-time",
        title="Shorten month-end close by [percentage] in [timeframe] by automating [tasks] with [tool]",
        role="Accountant",
        industry="accounting",
        career_stage="",
        category=ROLE,
        framework="okr",
        horizon="short",
        why="A long close delays every decision that waits for the numbers. Automating repetitive steps cuts "
        "errors as well as days, because machines do not mistype.",
        involves="Time each step of the current close, pick the repetitive tasks to automate, set them up in the "
        "tool, run the old and new way side by side once, then switch.",
        key_results=(_pct("Reduction in close time"), _yes("[tasks] automated with [tool]")),
    ),
    Template(
        key="audit-control-weaknesses",
        title="Find and fix [number] internal-control weaknesses by [date]",
        role="Auditor",
        industry="audit",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="mid",
        why="Each weak control is a place where errors or fraud can slip through. Finding and closing them "
        "before an external audit does protects the company and its reputation.",
        involves="Map the key processes and their controls, test the riskiest ones first, agree a remediation "
        "owner and date for each finding, and retest once the fix is in place.",
        key_results=(_kr("Control weaknesses remediated and retested", unit="weaknesses", target="[number]"),),
    ),
    Template(
        key="hr-engagement-programs",
        title="Lift engagement scores by [percentage] in [timeframe] through [number] development programs",
        role="HR manager",
        industry="hr",
        career_stage="",
        category=ROLE,
        framework="okr",
        horizon="mid",
        why="People who see a future for themselves stay longer and do better work. Development programs give "
        "them that future, and the engagement survey tells you whether it lands.",
        involves="Read the last survey for the lowest-scoring themes, design programs that answer them with "
        "managers, launch them, and measure engagement again at the next survey.",
        key_results=(
            _pct("Engagement score gain"),
            _kr("Development programs launched", unit="programs", target="[number]"),
        ),
    ),
    Template(
        key="hr-time-to-hire",
        title="Bring time-to-hire for [team] roles down to [number] days by [date]",
        role="HR manager",
        industry="hr",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Strong candidates accept other offers while you schedule interviews. A faster process wins more of "
        "them and lets teams deliver sooner, so that hiring stops being the bottleneck.",
        involves="Measure each stage of the current process, remove waiting time between stages, agree interview "
        "slots with hiring managers in advance, and review the numbers every month.",
    ),
    Template(
        key="training-programs-performance",
        title="Design [number] programs on [topics] that lift performance by [percentage] within [timeframe]",
        role="Training specialist",
        industry="training",
        career_stage="",
        category=ROLE,
        framework="okr",
        horizon="mid",
        why="Training is only worth the hours when people do their job better afterwards. Tying each program to a "
        "performance measure shows what works and what to stop.",
        involves="Agree with managers which performance measure each program should move, design short practical "
        "sessions, run a pilot group, and compare the measure before and after.",
        key_results=(
            _kr("Programs delivered on [topics]", unit="programs", target="[number]"),
            _pct("Performance gain of trained staff"),
        ),
    ),
    Template(
        key="service-satisfaction",
        title="Raise my customer satisfaction score by [percentage] within [timeframe]",
        role="Customer service representative",
        industry="customer-service",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Satisfied customers come back and tell others. Your own score shows which habits make a difference "
        "in each conversation, because it is feedback on your work rather than the team's.",
        involves="Read the comments behind low scores, pick two habits to change (for example confirming the fix "
        "before closing), ask a colleague to review a few conversations, and check the score weekly.",
        key_results=(_pct("Satisfaction score gain"),),
    ),
    Template(
        key="service-first-contact",
        title="Resolve [percentage] of my tickets at first contact within [timeframe]",
        role="Customer service representative",
        industry="customer-service",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Every hand-off makes a customer repeat themselves. Solving more on the first contact saves their "
        "time and the team's, which is why customers rate it highly.",
        involves="Note why tickets need a second contact, learn the fixes for the most common cases, ask for "
        "access to the tools you wait on, and track the first-contact rate every week.",
        key_results=(_kr("First-contact resolution rate", "percentage", "%", "[percentage]"),),
    ),
    Template(
        key="service-wait-time",
        title="Cut average customer wait time by [number] minutes within [timeframe]",
        role="Customer service manager",
        industry="customer-service",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Waiting is the first thing customers remember about a service team. Shorter waits lift satisfaction "
        "and reduce repeat contacts, because fewer people give up and try again.",
        involves="Chart wait times by hour and day, match staffing to the peaks, add self-service answers for the "
        "most common questions, and review the average every week with the team.",
        key_results=(_kr("Minutes cut from the average wait", unit="minutes", target="[number]"),),
    ),
    Template(
        key="support-escalations",
        title="Reduce escalated tickets by [percentage] within [timeframe]",
        role="Technical support specialist",
        industry="support",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="Each escalation pulls an engineer away from building and makes the customer wait longer. Solving "
        "more at the first level keeps both sides moving, so that fixes reach customers faster.",
        involves="Sort recent escalations by cause, write runbooks for the top causes, ask engineering for the "
        "diagnostics you lack, and review every escalation with the team each week.",
        key_results=(_pct("Reduction in escalated tickets"),),
    ),
    Template(
        key="support-knowledge-base",
        title="Publish [number] knowledge-base articles on [topic] by [date]",
        role="Technical support specialist",
        industry="support",
        career_stage="",
        category=ROLE,
        framework="smart",
        horizon="short",
        why="A good article answers the same question a hundred times without a ticket. Writing them turns what "
        "you know into something customers can use at any hour.",
        involves="List the questions asked most often, write one clear article per question with screenshots, "
        "link them from ticket replies, and update the ones with poor ratings.",
        key_results=(_kr("Articles published on [topic]", unit="articles", target="[number]"),),
    ),
    # --- by career stage -------------------------------------------------------------
    Template(
        key="early-master-tool",
        title="Master [tool] well enough to use it unaided in my daily work within [timeframe]",
        role=ANY_ROLE,
        industry="",
        career_stage=EARLY,
        category=STAGE,
        framework="smart",
        horizon="short",
        why="Early in a career, fluency in the team's main tool is the fastest way to become useful on your own, "
        "so that colleagues trust you with real tasks sooner.",
        involves="Ask a colleague which features matter most, follow a course or the official guide, use the tool "
        "on a real task every day, and keep a list of questions for a weekly catch-up.",
        key_results=(_kr("Real tasks finished alone in [tool]", unit="tasks", target="5"),),
    ),
    Template(
        key="early-meet-professionals",
        title="Meet [number] professionals in my field every month for [timeframe]",
        role=ANY_ROLE,
        industry="",
        career_stage=EARLY,
        category=STAGE,
        framework="smart",
        horizon="short",
        why="Most opportunities reach people through someone they know. Regular conversations teach you how "
        "others built their careers and help you find a mentor.",
        involves="List people worth meeting (colleagues in other teams, alumni, meetup speakers), send short "
        "requests for a 20-minute chat, prepare two questions each time, and follow up with thanks.",
        key_results=(_kr("Professionals met this month", unit="people", target="[number]"),),
    ),
    Template(
        key="early-volunteer-project",
        title="Volunteer for [project] and own one clear piece of it by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=EARLY,
        category=STAGE,
        framework="smart",
        horizon="short",
        why="Volunteering lets you show what you can do beyond your job description and learn from people you "
        "would not otherwise work with, which widens your options.",
        involves="Find a project that needs help, agree with your manager how much time you can give, ask the "
        "project lead for one piece you can own, and share the result when it is done.",
        key_results=(_yes("Own piece of [project] delivered"),),
    ),
    Template(
        key="early-internship",
        title="Land an internship in [field] by [date] by applying to [number] organizations",
        role="Student or graduate",
        industry="",
        career_stage=EARLY,
        category=STAGE,
        framework="smart",
        horizon="mid",
        why="An internship turns study into experience an employer can see, and it tests whether the field suits "
        "you before you commit to it.",
        involves="Write down your strengths and what you want to learn, research the organizations in the field, "
        "tailor each application, ask a mentor to review your CV, and follow up on every application.",
        key_results=(
            _kr("Applications sent", unit="applications", target="[number]"),
            _yes("Internship offer accepted"),
        ),
    ),
    Template(
        key="mid-lead-initiative",
        title="Lead [initiative] from kickoff to launch by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=MID,
        category=STAGE,
        framework="plan",
        horizon="mid",
        why="Leading an initiative end to end shows you can get results through other people, which is the step "
        "from strong individual contributor to someone the organization can hand a problem.",
        involves="Agree the goal and scope with a sponsor, gather the team, plan backwards from the launch date, "
        "hold a short weekly check-in, and close with a review of what went well.",
        steps=(
            "Agree goal, scope and sponsor for [initiative]",
            "Gather the team and plan backwards from the launch date",
            "Deliver the first usable part and collect feedback",
            "Launch [initiative] and review it with the team",
        ),
    ),
    Template(
        key="mid-run-training",
        title="Run a training on [topic] for [number] colleagues by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=MID,
        category=STAGE,
        framework="smart",
        horizon="short",
        why="Teaching what you know spreads good practice and makes you the go-to person for the topic, which is "
        "how expertise becomes visible.",
        involves="Ask colleagues what they struggle with, prepare a short hands-on session, run it once with a "
        "small group, improve it from their feedback, then run it for everyone.",
        key_results=(_kr("Colleagues trained on [topic]", unit="people", target="[number]"),),
    ),
    Template(
        key="mid-present-event",
        title="Present on [topic] at [event] by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=MID,
        category=STAGE,
        framework="okr",
        horizon="mid",
        why="Speaking at an event builds your reputation outside your team and sharpens your own thinking, "
        "because explaining a topic shows you where you understand it least.",
        involves="Pick a topic you have real experience with, submit a proposal before the deadline, rehearse in "
        "front of colleagues twice, and share the slides afterwards.",
        key_results=(_yes("Talk accepted at [event]"), _yes("Talk delivered and slides shared")),
    ),
    Template(
        key="senior-mentor-people",
        title="Mentor [number] people through a development plan each by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=SENIOR,
        category=STAGE,
        framework="smart",
        horizon="mid",
        why="Senior people multiply their impact through others. Mentoring grows the next leaders and keeps your "
        "own skills honest, because you have to explain what you do.",
        involves="Agree goals with each mentee, meet every two to four weeks, use GROW when they are stuck, and "
        "review their progress against their plan together at the end.",
        key_results=(_kr("Mentees with a finished development plan", unit="people", target="[number]"),),
    ),
    Template(
        key="senior-process-improvements",
        title="Ship [number] process improvements that save [percentage] of the time they take by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=SENIOR,
        category=STAGE,
        framework="okr",
        horizon="mid",
        why="Small process fixes compound: every hour saved repeats every week for everyone involved, which frees "
        "the team for work that matters more.",
        involves="Ask the team where time goes, measure the slowest processes, fix one at a time with the people "
        "who run it, and measure again a month later.",
        key_results=(
            _kr("Process improvements shipped", unit="improvements", target="[number]"),
            _pct("Time saved on the improved processes"),
        ),
    ),
    Template(
        key="senior-strategic-plan",
        title="Write a strategic plan for [area] and get it approved by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=SENIOR,
        category=STAGE,
        framework="plan",
        horizon="mid",
        why="A written strategy lets others make good decisions without asking you, so that the area moves in one "
        "direction even when you are not in the room.",
        involves="Plan backwards from approval: the final review, the draft before it, the interviews and data "
        "the draft needs, and what to collect this week.",
        steps=(
            "Interview stakeholders and collect the data on [area]",
            "Write the first draft: where we are, where we go, how",
            "Review the draft with the leadership team",
            "Get the strategic plan for [area] approved",
        ),
    ),
    # --- career goals ----------------------------------------------------------------
    Template(
        key="career-leadership-experience",
        title="Gain leadership experience by leading [number] cross-team pieces of work by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="okr",
        horizon="mid",
        why="Leadership is learned by doing it. Leading real work with people who do not report to you builds "
        "the influence a management role needs, and gives you stories for your next review.",
        involves="Tell your manager you want to lead, pick work with a clear outcome, agree roles with the people "
        "involved, and ask them for feedback on how you led.",
        key_results=(
            _kr("Cross-team pieces of work led", unit="pieces", target="[number]"),
            _yes("Feedback collected from the people I led"),
        ),
    ),
    Template(
        key="career-back-to-school",
        title="Go back to school: complete [number] credits of [program] by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="plan",
        horizon="long",
        why="A degree or diploma can open roles that experience alone does not, and it gives you a structured way "
        "to close a knowledge gap so that the next step in your career becomes possible.",
        involves="Compare programs by fit, cost and schedule, talk to your manager about study time or support, "
        "enrol, and plan each term backwards from the exam dates.",
        key_results=(_kr("Credits completed in [program]", unit="credits", target="[number]"),),
        steps=(
            "Compare programs and talk to your manager about support",
            "Enrol in [program]",
            "Finish the first term",
            "Complete [number] credits of [program]",
        ),
    ),
    Template(
        key="career-get-certified",
        title="Earn the [certification] certification by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="plan",
        horizon="mid",
        why="A recognised certification proves a skill to people who have not worked with you, which helps in "
        "reviews, promotions and client work.",
        involves="Plan backwards from the exam: the exam day, the practice tests before it, the course material, "
        "and the weekly study time you block from now on.",
        steps=(
            "Choose a course or study guide for [certification]",
            "Work through the material and book the exam",
            "Pass two full practice exams",
            "Pass the [certification] exam",
        ),
    ),
    Template(
        key="career-hone-skills",
        title="Sharpen my [skill] by using it on [number] real assignments within [timeframe]",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="smart",
        horizon="short",
        why="A skill you already have grows fastest with deliberate practice on real work and honest feedback, "
        "so that it becomes a strength people rely on.",
        involves="Ask your manager for assignments that stretch the skill, agree what good looks like, ask for "
        "feedback after each one, and write down one thing to do differently next time.",
        key_results=(_kr("Assignments completed using [skill]", unit="assignments", target="[number]"),),
    ),
    Template(
        key="career-start-coaching",
        title="Start coaching: hold [number] GROW coaching conversations by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="smart",
        horizon="short",
        why="Coaching helps people find their own way forward instead of being told. Practising it makes you a "
        "better manager and colleague, because you learn to ask before you advise.",
        involves="Learn the GROW structure (Goal, Reality, Options, Will), offer coaching to colleagues who are "
        "stuck on a goal, record each session here, and ask for feedback on how it helped.",
        key_results=(_kr("Coaching conversations held", unit="sessions", target="[number]"),),
    ),
    Template(
        key="career-become-mentor",
        title="Become a mentor through [program] and meet my mentee [number] times by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="smart",
        horizon="mid",
        why="Mentoring passes on what you learned the hard way, and it teaches you to listen and to explain, "
        "which helps you grow as much as your mentee.",
        involves="Sign up for a mentoring program or offer to mentor a newer colleague, agree goals and how often "
        "you meet, prepare each meeting, and look back together at the end.",
        key_results=(_kr("Mentoring meetings held", unit="meetings", target="[number]"),),
    ),
    Template(
        key="career-workshop-conference",
        title="Attend [event] by [date] and share [number] takeaways with my team",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="smart",
        horizon="short",
        why="Workshops and conferences show you what others in your field are doing and connect you with them. "
        "Sharing the takeaways turns your trip into learning for the whole team.",
        involves="Pick an event that matches a skill gap, get the budget approved, choose sessions in advance, "
        "talk to at least three people there, and present what you learned within two weeks.",
        key_results=(
            _yes("Attended [event]"),
            _kr("Takeaways shared with the team", unit="takeaways", target="[number]"),
        ),
    ),
    Template(
        key="career-become-project-manager",
        title="Move into a project manager role by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="plan",
        horizon="long",
        why="A big career move is easier as a chain of smaller ones. Planning it backwards shows what to do this "
        "month, so that the goal stops being a wish.",
        involves="Start from the role and ask what must be true just before it: a complex project you led, the "
        "smaller projects before that, a certification, and the courses that prepare for it.",
        steps=(
            "Take project management courses",
            "Earn a project management certification",
            "Manage [number] smaller projects end to end",
            "Lead a complex, cross-team project",
        ),
    ),
    Template(
        key="career-monthly-update",
        title="Present a project update to [audience] every month for [number] months",
        role=ANY_ROLE,
        industry="",
        career_stage="",
        category=CAREER,
        framework="smart",
        horizon="short",
        why="Communication grows with practice, not intention. A monthly update is concrete and repeatable, so "
        "that speaking up becomes a habit people notice.",
        involves="Book the slot with whoever runs the meeting, keep each update to five minutes with one chart, "
        "ask one listener for feedback each time, and adjust the next update.",
        key_results=(_kr("Monthly updates presented", unit="updates", target="[number]"),),
    ),
    Template(
        key="career-close-skill-gaps",
        title="Close my top [number] skill gaps for the [target role] role by [date]",
        role=ANY_ROLE,
        industry="",
        career_stage=MID,
        category=CAREER,
        framework="smart",
        horizon="mid",
        why="Knowing where you want to be in five to ten years only helps when you know what stands between you "
        "and it. Naming the gaps turns a vague ambition into work you can plan.",
        involves="Compare the role's expectations with your strengths and weaknesses, pick the gaps that matter "
        "most, choose one way to close each (course, project, mentor), and check progress every month.",
        key_results=(_kr("Skill gaps closed for [target role]", unit="gaps", target="[number]"),),
    ),
)

_BY_KEY = {t.key: t for t in TEMPLATES}


# --- lookups -------------------------------------------------------------------------


def get(key: str) -> Template | None:
    return _BY_KEY.get(key)


def roles(templates: Iterable[Template] = TEMPLATES) -> list[str]:
    """The distinct roles, the specific ones alphabetically, "Any role" last."""
    found = sorted({t.role for t in templates if t.role and t.role != ANY_ROLE}, key=str.lower)
    if any(t.role == ANY_ROLE for t in templates):
        found.append(ANY_ROLE)
    return found


def search(
    templates: Iterable[Template] = TEMPLATES,
    *,
    role: str = "",
    industry: str = "",
    stage: str = "",
    category: str = "",
    text: str = "",
) -> list[Template]:
    """Templates matching every given filter; ``text`` matches all its words anywhere in a template."""
    words = [w for w in re.split(r"\s+", text.lower().strip()) if w]
    found = []
    for template in templates:
        if role and template.role.lower() != role.lower():
            continue
        if industry and template.industry.lower() != industry.lower():
            continue
        if stage and template.career_stage != stage:
            continue
        if category and template.category != category:
            continue
        if words and not all(word in template.haystack for word in words):
            continue
        found.append(template)
    return found


def from_org_template(row) -> Template:
    """An organization's ``GoalTemplate`` row in the catalog's shape."""
    industry = row.industry.strip()
    for key, label in INDUSTRIES.items():
        if industry.lower() in (key, label.lower()):
            industry = key
            break
    return Template(
        key=f"org:{row.public_id}",
        title=row.title,
        role=row.role or ANY_ROLE,
        industry=industry,
        career_stage=row.career_stage,
        category=ORG,
        framework=row.framework,
        horizon="short",
        why=row.why,
        involves=row.involves,
        public_id=str(row.public_id),
    )


def with_values(template: Template, values: Mapping[str, object]) -> Template:
    """A copy with the blanks of the title, key result titles and steps filled (targets stay as written)."""
    return replace(
        template,
        title=fill(template.title, values),
        key_results=tuple(replace(kr, title=fill(kr.title, values)) for kr in template.key_results),
        steps=tuple(fill(step, values) for step in template.steps),
    )


def resolve_target(kr: SuggestedKeyResult, numbers: Mapping[str, Decimal]) -> Decimal | None:
    """A suggested key result's target: its number, or the number given for the blank it names."""
    names = blanks(kr.target)
    if names:
        return numbers.get(names[0])
    try:
        return Decimal(kr.target)
    except ArithmeticError:
        return None


__all__ = [
    "CAREER_STAGES",
    "CATEGORIES",
    "INDUSTRIES",
    "TEMPLATES",
    "SuggestedKeyResult",
    "Template",
    "blank_kind",
    "blanks",
    "display_value",
    "fill",
    "from_org_template",
    "get",
    "resolve_target",
    "roles",
    "search",
    "segments",
    "timeframe_end",
    "with_values",
]
