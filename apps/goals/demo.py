"""Demo goals for the Brightwave organization (a ``GOALSITE_DEMO_HOOKS`` hook).

Two quarters of goals written through the services, so history, progress and
roll-up are exactly what real use produces:

* the previous quarter: closed goals with scores and reflections (achieved and
  missed: a learning record, not a failure mark);
* the current quarter: active goals whose values put some on track, some at
  risk and some off track *today* (progress against the elapsed share of the
  quarter, whatever the date);
* company, department and team objectives owned by teams, personal goals
  aligned to them (a few left unaligned as gaps), mixed visibility, backward
  plans, GROW sessions, feedback and a few career profiles;
* the other gaps a real organization has: a team objective set this quarter
  that no one's goal contributes to yet, and a goal with no cycle, started
  months ago, that its owner stopped updating (the check-ins demo stops its
  check-ins three weeks ago).

Every person owns goals of all three frameworks across the two quarters, except
the newest hire, who joined days ago and has not set any yet.
Idempotent: a goal is identified by owner, cycle and title; one that exists is
left alone, so running the seed again creates nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Membership, Organization, Team, TeamMembership, TeamRole

from . import progress as arithmetic
from . import services
from .models import (
    CareerProfile,
    Cycle,
    Framework,
    Goal,
    GoalAlignment,
    GoalStatus,
    Milestone,
    MilestoneSource,
    Visibility,
)

PREV, CURRENT, OPEN = "prev", "current", "open"
# How far ahead of (or behind) the expected pace a current goal is put today.
PACE = {"on": 0.05, "risk": -0.17, "off": -0.38}


@dataclass(frozen=True)
class KR:
    title: str
    unit: str
    start: float
    target: float
    direction: str = "increase"
    metric: str = "number"
    step: str = "1"  # values are rounded to this (1 for counts, 0.1 for rates, 1000 for money)


@dataclass(frozen=True)
class Spec:
    key: str
    owner: str  # a person key, or "team:<name>"
    cycle: str  # PREV, CURRENT or OPEN (a long-horizon goal with no cycle)
    framework: str
    title: str
    krs: tuple[KR, ...] = ()
    steps: tuple[str, ...] = ()  # in the order they happen; added backwards, last step first
    parent: str | None = None
    # current: "on" / "risk" / "off"; previous: "achieved" / "missed"
    outcome: str = "on"
    final: float = 1.0  # previous quarter: share of the target reached
    visibility: str = Visibility.ORGANIZATION
    description: str = ""
    end_state: str = ""
    worked: str = ""
    differently: str = ""
    due_days_early: int = 0  # due this many days before the cycle ends
    horizon: str = "short"
    tags: str = ""
    # A goal with no cycle begun earlier: it started (and was created) this many weeks ago, due this many from today.
    started_weeks_ago: int = 0
    due_in_weeks: int = 0


def pct(title, start, target, direction="increase"):
    return KR(title, "%", start, target, direction, "percentage", "0.1")


def eur(title, target, start=0):
    return KR(title, "EUR", start, target, "increase", "currency", "1000")


def yes(title):
    return KR(title, "", 0, 1, "increase", "boolean")


TEAM_GOALS = [
    # --- previous quarter -------------------------------------------------------------
    Spec(
        "co_q3",
        "team:Brightwave",
        PREV,
        Framework.OKR,
        "Build a revenue engine that compounds",
        (eur("New annual recurring revenue", 1_000_000), pct("Gross revenue churn", 3.0, 2.0, "decrease")),
        outcome="achieved",
        final=0.95,
        worked="Pairing every new logo with a named CSM from day one kept churn down while sales grew.",
        differently="Set the churn target per segment: small customers churned for reasons we could not fix.",
    ),
    Spec(
        "sales_q3",
        "team:Sales",
        PREV,
        Framework.OKR,
        "Open the mid-market segment for Brightwave",
        (KR("Mid-market deals won", "deals", 0, 12), eur("Mid-market ARR", 400_000)),
        parent="co_q3",
        outcome="missed",
        final=0.6,
        worked="Mid-market buyers loved the onboarding story; win rate was 31 % when we got to a demo.",
        differently="Start outbound six weeks earlier: the pipeline was too thin in July to hit 12 deals.",
    ),
    Spec(
        "cs_q3",
        "team:Customer Success",
        PREV,
        Framework.OKR,
        "Cut onboarding time in half for new customers",
        (KR("Median days to go live", "days", 28, 14, "decrease"), pct("Onboarding CSAT", 82, 90)),
        parent="co_q3",
        outcome="achieved",
        final=1.0,
        worked="Templates for the three most common setups removed most of the back-and-forth.",
        differently="Measure time to go live from contract signature, not kickoff: kickoff was often late.",
    ),
    Spec(
        "platform_q3",
        "team:Platform",
        PREV,
        Framework.PLAN,
        "Move to the new Postgres cluster with zero downtime",
        steps=(
            "Rehearse the cut-over on a copy of production",
            "Replicate live data to the new cluster",
            "Switch reads to the new cluster",
            "Switch writes and retire the old cluster",
        ),
        parent="co_q3",
        outcome="achieved",
        end_state="All traffic runs on the new cluster; the old one is switched off; no customer noticed.",
        worked="Two full rehearsals made the real cut-over boring: 40 seconds of read-only mode.",
        differently="Book the cut-over window with CS earlier so they can warn the two customers with night jobs.",
    ),
    Spec(
        "design_q3",
        "team:Design & Research",
        PREV,
        Framework.OKR,
        "Launch design system v2 across the product",
        (KR("Components migrated", "components", 0, 60), pct("Product screens on v2", 0, 80)),
        parent="co_q3",
        outcome="achieved",
        final=1.0,
        worked="Migrating screen by screen with the engineers who owned them kept momentum.",
        differently="Write the contribution guide first; we answered the same questions forty times.",
    ),
    # --- current quarter --------------------------------------------------------------
    Spec(
        "co",
        "team:Brightwave",
        CURRENT,
        Framework.OKR,
        "Become the onboarding platform mid-market teams love",
        (
            pct("Net revenue retention", 104, 112),
            eur("New annual recurring revenue", 1_200_000),
            KR("Median days to first value", "days", 14, 7, "decrease", step="0.1"),
        ),
        outcome="on",
        description="Our 2026 bet: win on time to value, so that customers stay and grow with us.",
    ),
    Spec(
        "revenue",
        "team:Revenue",
        CURRENT,
        Framework.OKR,
        "Grow efficiently: more pipeline, less churn",
        (eur("Qualified pipeline created", 4_000_000), pct("Gross revenue churn", 2.4, 1.5, "decrease")),
        parent="co",
        outcome="risk",
    ),
    Spec(
        "pe",
        "team:Product & Engineering",
        CURRENT,
        Framework.OKR,
        "Ship a product that is fast, reliable and easy to start with",
        (
            KR("p95 API latency", "ms", 420, 250, "decrease"),
            pct("First-week task success in onboarding", 62, 85),
        ),
        parent="co",
        outcome="on",
    ),
    Spec(
        "sales",
        "team:Sales",
        CURRENT,
        Framework.OKR,
        "Build a predictable pipeline",
        (KR("Sales-qualified opportunities", "opportunities", 0, 120), pct("Lead-to-opportunity conversion", 8, 12)),
        parent="revenue",
        outcome="risk",
    ),
    Spec(
        "cs",
        "team:Customer Success",
        CURRENT,
        Framework.OKR,
        "Make every customer successful in their first 90 days",
        (pct("CSAT", 86, 92), pct("Logo churn", 3.1, 2.0, "decrease")),
        parent="revenue",
        outcome="off",
    ),
    Spec(
        "cs_care",
        "team:Customer Success",
        CURRENT,
        Framework.SMART,
        "Keep after-hours escalations for the CS team under 4 a month",
        (KR("After-hours escalations this month", "escalations", 9, 4, "decrease"),),
        outcome="on",
        visibility=Visibility.PRIVATE,
        description="Because three people covered every evening last quarter and it showed in the pulse survey.",
    ),
    Spec(
        "platform",
        "team:Platform",
        CURRENT,
        Framework.OKR,
        "Make the platform fast and boringly reliable",
        (
            KR("p95 API latency", "ms", 420, 250, "decrease"),
            KR("Engineers with an AWS certification", "engineers", 2, 6),
            pct("Monthly uptime", 99.5, 99.9, "at_least"),
        ),
        parent="pe",
        outcome="on",
    ),
    Spec(
        "design",
        "team:Design & Research",
        CURRENT,
        Framework.OKR,
        "Ground every product decision in customer evidence",
        (KR("Research studies completed", "studies", 0, 6), KR("Usability score (SUS)", "points", 68, 78, step="0.1")),
        parent="pe",
        outcome="risk",
        visibility=Visibility.TEAM,
    ),
    Spec(
        "design_a11y",
        "team:Design & Research",
        CURRENT,
        Framework.OKR,
        "Make Brightwave usable with a keyboard and a screen reader",
        (
            KR("Open WCAG 2.2 AA issues", "issues", 48, 0, "decrease"),
            pct("Core flows passing an accessibility audit", 0, 100),
        ),
        parent="pe",
        outcome="off",  # no goal contributes to it yet: a gap
        description="Two enterprise prospects asked for an accessibility conformance report; "
        "our first audit found 48 issues.",
    ),
]

PERSONAL_GOALS = [
    # --- Maya Chen, CEO ---------------------------------------------------------------
    Spec(
        "maya_p1",
        "maya",
        PREV,
        Framework.SMART,
        "Hire a VP of Product & Engineering by 15 September",
        (yes("VP of Product & Engineering signed"),),
        parent="co_q3",
        outcome="achieved",
        due_days_early=15,
        worked="A scorecard agreed with the board before the first interview made the decision quick.",
        differently="Involve two senior engineers earlier; their questions were the best signal.",
    ),
    Spec(
        "maya_p2",
        "maya",
        PREV,
        Framework.OKR,
        "Make Brightwave a place great people recommend",
        (KR("Employee NPS", "points", 18, 35), KR("Hires from employee referrals", "hires", 0, 12)),
        outcome="missed",
        final=0.55,
        worked="Monthly all-hands with open Q&A moved eNPS more than any perk.",
        differently="A referral bonus alone does little; make it easy to refer (a one-page role brief).",
    ),
    Spec(
        "maya_c1",
        "maya",
        CURRENT,
        Framework.OKR,
        "Close the Series B on our terms",
        (KR("Investor meetings held", "meetings", 0, 40), KR("Term sheets received", "term sheets", 0, 3)),
        parent="co",
        outcome="on",
        visibility=Visibility.PRIVATE,
    ),
    Spec(
        "maya_c2",
        "maya",
        CURRENT,
        Framework.PLAN,
        "Publish the 2027 company strategy",
        steps=(
            "Collect input from every team",
            "Leadership offsite agrees on 3 bets",
            "Board approves the plan",
            "Share the 2027 strategy with the company",
        ),
        parent="co",
        outcome="risk",
        end_state="Everyone can name our three bets for 2027 and how their team contributes.",
    ),
    # --- Omar Haddad, VP Revenue ------------------------------------------------------
    Spec(
        "omar_p1",
        "omar",
        PREV,
        Framework.SMART,
        "Grow Q3 net new ARR to €900k",
        (eur("Net new ARR", 900_000),),
        parent="co_q3",
        outcome="achieved",
        final=1.04,
        worked="Weekly deal reviews focused on next steps, not on forecasts.",
        differently="Plan capacity for the summer dip: July was 40 % below June.",
    ),
    Spec(
        "omar_p2",
        "omar",
        PREV,
        Framework.PLAN,
        "Launch the partner channel",
        steps=("Define partner tiers and margins", "Publish the partner program", "Sign the first 3 partners"),
        outcome="missed",
        final=0.67,
        end_state="Three signed partners bring their first deals.",
        worked="Tiers and margins were agreed in two weeks thanks to the finance model.",
        differently="Recruit partners while writing the program, not after: signing took longer than planned.",
    ),
    Spec(
        "omar_c1",
        "omar",
        CURRENT,
        Framework.OKR,
        "Make revenue forecasting boringly accurate",
        (pct("Forecast accuracy at week 6", 70, 90), pct("Open deals with a dated next step", 55, 95)),
        parent="revenue",
        outcome="risk",
    ),
    Spec(
        "omar_c2",
        "omar",
        CURRENT,
        Framework.SMART,
        "Coach each of my 2 leads in 6 one-to-ones this quarter",
        (KR("Coaching one-to-ones held", "sessions", 0, 12),),
        parent="revenue",
        outcome="on",
        description="So that Ana and Priya can grow their teams without me in every deal.",
    ),
    # --- Inès Moreau, VP Product & Engineering ----------------------------------------
    Spec(
        "ines_p1",
        "ines",
        PREV,
        Framework.OKR,
        "Set up a product discovery rhythm",
        (KR("Customer discovery interviews", "interviews", 0, 30), KR("Opportunity trees maintained", "trees", 0, 4)),
        outcome="achieved",
        final=1.0,
        worked="A fixed interview slot every Tuesday beat ad-hoc scheduling.",
        differently="Share interview snippets weekly; engineers engaged once they heard customers directly.",
    ),
    Spec(
        "ines_p2",
        "ines",
        PREV,
        Framework.SMART,
        "Cut the release cycle from 4 weeks to 2 weeks by September",
        (KR("Release cycle", "days", 28, 14, "decrease"),),
        outcome="missed",
        final=0.5,
        worked="Feature flags let us merge unfinished work safely.",
        differently="Fix the flaky end-to-end tests first: they blocked half of the releases.",
    ),
    Spec(
        "ines_c1",
        "ines",
        CURRENT,
        Framework.PLAN,
        "Hire and onboard 3 senior engineers by December",
        steps=(
            "Job ads live and sourcing started",
            "Final interviews done",
            "Offers accepted",
            "All 3 engineers ship their first change",
        ),
        parent="pe",
        outcome="on",
        end_state="Three senior engineers are onboarded and have shipped to production.",
    ),
    Spec(
        "ines_c2",
        "ines",
        CURRENT,
        Framework.OKR,
        "Raise engineering quality without slowing down",
        (pct("Change failure rate", 18, 10, "decrease"), KR("Deploys per week", "deploys", 5, 10)),
        parent="pe",
        outcome="off",
    ),
    # --- Ana Souza, Sales lead --------------------------------------------------------
    Spec(
        "ana_p1",
        "ana",
        PREV,
        Framework.SMART,
        "Hire 2 account executives by 31 August",
        (KR("Account executives hired", "hires", 0, 2),),
        parent="sales_q3",
        outcome="achieved",
        due_days_early=30,
        worked="A paid work sample replaced two interview rounds and candidates liked it.",
        differently="Start onboarding plans before the start date; ramp-up lost the first week.",
    ),
    Spec(
        "ana_p2",
        "ana",
        PREV,
        Framework.PLAN,
        "Roll out a new sales playbook",
        steps=(
            "Interview 10 won customers",
            "Write the playbook with the top performers",
            "Train the team in 3 workshops",
            "Every rep certified on the playbook",
        ),
        parent="sales_q3",
        outcome="missed",
        final=0.5,
        end_state="Every rep runs discovery and demos the same proven way.",
        worked="Customer interviews gave us the language buyers actually use.",
        differently="Shorter workshops, closer together; the gap between them let habits slip back.",
    ),
    Spec(
        "ana_c1",
        "ana",
        CURRENT,
        Framework.OKR,
        "Make our sales team the best-coached in SaaS",
        (
            KR("Recorded calls reviewed together", "reviews", 0, 48),
            KR("Ramp time for new AEs", "days", 120, 90, "decrease"),
        ),
        parent="sales",
        outcome="on",
    ),
    Spec(
        "ana_c2",
        "ana",
        CURRENT,
        Framework.SMART,
        "Raise lead conversion from 8% to 12% by December with a new follow-up sequence in HubSpot",
        (pct("Lead-to-opportunity conversion", 8, 12),),
        parent="sales",
        outcome="risk",
        tags="hubspot, pipeline",
    ),
    # --- Bo Lindqvist, Account executive ----------------------------------------------
    Spec(
        "bo_p1",
        "bo",
        PREV,
        Framework.SMART,
        "Close €180k of new ARR in Q3",
        (eur("New ARR closed", 180_000),),
        parent="sales_q3",
        outcome="achieved",
        final=1.07,
        worked="Multi-threading every deal: no deal died when a champion went on holiday.",
        differently="Qualify out faster; two long evaluations never had a budget.",
    ),
    Spec(
        "bo_p2",
        "bo",
        PREV,
        Framework.OKR,
        "Break into the logistics vertical",
        (KR("First meetings with logistics companies", "meetings", 0, 15), KR("Logistics deals won", "deals", 0, 3)),
        parent="sales_q3",
        outcome="missed",
        final=0.45,
        worked="A case study from our one logistics customer opened doors.",
        differently="Go to the trade fair with a partner; cold outreach to ops leaders rarely got answers.",
    ),
    Spec(
        "bo_c1",
        "bo",
        CURRENT,
        Framework.OKR,
        "Win the mid-market in DACH",
        (eur("New ARR in DACH", 220_000), KR("Demos held", "demos", 0, 30)),
        parent="sales",
        outcome="on",
        tags="dach",
    ),
    Spec(
        "bo_c2",
        "bo",
        CURRENT,
        Framework.PLAN,
        "Land the Nordtrans enterprise deal by mid-December",
        steps=(
            "Run a 4-week pilot with two Nordtrans teams",
            "Pilot success review with the champion",
            "Pass the security review",
            "Contract signed",
        ),
        parent="sales",
        outcome="risk",
        due_days_early=16,
        end_state="Nordtrans has signed a two-year contract for 400 seats.",
    ),
    Spec(
        "bo_career",
        "bo",
        OPEN,
        Framework.PLAN,
        "Become a sales manager",
        steps=(
            "Finish a sales leadership course",
            "Mentor a new account executive through their first quarter",
            "Run the team's weekly forecast call",
            "Lead a team of three account executives",
        ),
        horizon="long",
        visibility=Visibility.PRIVATE,
        end_state="I manage a small sales team and my reps hit their numbers.",
    ),
    # --- Carmen Díaz, Account executive -----------------------------------------------
    Spec(
        "carmen_p1",
        "carmen",
        PREV,
        Framework.PLAN,
        "Close the Helios Retail renewal and upsell",
        steps=("Usage review with the champion", "Business review with the CFO", "Upsell signed"),
        parent="sales_q3",
        outcome="achieved",
        end_state="Helios renews for two years and adds the analytics module.",
        worked="The usage review showed the CFO exactly where teams were waiting on data.",
        differently="Bring the CSM to the CFO meeting; they knew the account history better than I did.",
    ),
    Spec(
        "carmen_p2",
        "carmen",
        PREV,
        Framework.SMART,
        "Close €200k of new ARR in Q3",
        (eur("New ARR closed", 200_000),),
        parent="sales_q3",
        outcome="missed",
        final=0.65,
        worked="Strong August once the new demo script was in place.",
        differently="Keep prospecting during big deals; July started with an empty pipeline.",
    ),
    Spec(
        "carmen_c1",
        "carmen",
        CURRENT,
        Framework.SMART,
        "Close €200k of new ARR this quarter",
        (eur("New ARR closed", 200_000),),
        parent="sales",
        outcome="off",
    ),
    Spec(
        "carmen_c2",
        "carmen",
        CURRENT,
        Framework.OKR,
        "Build a referral engine with happy customers",
        (KR("Referral introductions", "intros", 0, 15), KR("Customer case studies published", "case studies", 0, 3)),
        outcome="on",  # not aligned yet: a gap the Sales lead should see
    ),
    # --- Dev Patel, Sales development rep ---------------------------------------------
    Spec(
        "dev_p1",
        "dev",
        PREV,
        Framework.OKR,
        "Fill the pipeline for the account executives",
        (KR("Meetings booked", "meetings", 0, 60), pct("Meetings that became opportunities", 20, 30)),
        parent="sales_q3",
        outcome="achieved",
        final=1.0,
        worked="Calling within five minutes of a demo request doubled the connect rate.",
        differently="Ask AEs for feedback on every meeting; some segments were never a fit.",
    ),
    Spec(
        "dev_p2",
        "dev",
        PREV,
        Framework.SMART,
        "Book 25 meetings from outbound LinkedIn by September",
        (KR("Meetings from LinkedIn", "meetings", 0, 25),),
        outcome="missed",
        final=0.56,
        worked="Personal video messages got three times the reply rate of text.",
        differently="Pick one persona; writing for four personas diluted every message.",
    ),
    Spec(
        "dev_c1",
        "dev",
        CURRENT,
        Framework.SMART,
        "Book 70 qualified meetings for the account executives this quarter",
        (KR("Qualified meetings booked", "meetings", 0, 70),),
        parent="sales",
        outcome="on",
    ),
    Spec(
        "dev_c2",
        "dev",
        CURRENT,
        Framework.PLAN,
        "Earn the promotion to account executive",
        steps=("Complete the AE onboarding course", "Shadow 10 AE demos", "Run 5 discovery calls solo"),
        outcome="on",
        visibility=Visibility.TEAM,
        description="Because I want to own deals end to end next year.",
        end_state="Ana agrees I am ready to carry a quota.",
    ),
    # --- Priya Raman, Customer success lead -------------------------------------------
    Spec(
        "priya_p1",
        "priya",
        PREV,
        Framework.SMART,
        "Run quarterly business reviews with all 25 top accounts",
        (KR("QBRs held", "reviews", 0, 25),),
        parent="cs_q3",
        outcome="achieved",
        final=1.0,
        worked="A shared QBR template let CSMs prepare in an hour instead of a day.",
        differently="Invite product to the five largest; customers asked roadmap questions we could not answer.",
    ),
    Spec(
        "priya_p2",
        "priya",
        PREV,
        Framework.PLAN,
        "Launch a customer health score",
        steps=("Pick 5 usage signals", "Validate the score on last year's churn", "Health score live in the CRM"),
        parent="cs_q3",
        outcome="missed",
        final=0.67,
        end_state="Every CSM sees a trusted health score for each account every Monday.",
        worked="Luis's validation showed three of the five signals predicted churn well.",
        differently="Ask RevOps for CRM time up front; the last step waited four weeks for a field.",
    ),
    Spec(
        "priya_c1",
        "priya",
        CURRENT,
        Framework.OKR,
        "Turn at-risk accounts around before renewal",
        (pct("At-risk accounts with a save plan", 0, 100), eur("At-risk ARR saved", 300_000)),
        parent="cs",
        outcome="risk",
    ),
    Spec(
        "priya_c2",
        "priya",
        CURRENT,
        Framework.SMART,
        "Hold a career conversation with each of my 2 reports every month",
        (KR("Career conversations held", "conversations", 0, 6),),
        outcome="on",
        description="So that Tom and Léa know where they are heading and I can support them.",
    ),
    # --- Tom Okafor, Customer success manager -----------------------------------------
    Spec(
        "tom_p1",
        "tom",
        PREV,
        Framework.SMART,
        "Raise CSAT for my accounts from 84% to 90% in Q3",
        (pct("CSAT of my accounts", 84, 90),),
        parent="cs_q3",
        outcome="achieved",
        final=1.1,
        worked="Calling every detractor within a day turned half of them into promoters.",
        differently="Share the detractor reasons with product monthly, not at the end of the quarter.",
    ),
    Spec(
        "tom_p2",
        "tom",
        PREV,
        Framework.OKR,
        "Make my book of business renew early",
        (KR("Early renewals signed", "renewals", 0, 8), eur("Expansion ARR", 60_000)),
        outcome="missed",
        final=0.55,
        worked="Early renewal offers worked with accounts that had a clear owner.",
        differently="Start 120 days before renewal, not 60; procurement took longer than expected.",
    ),
    Spec(
        "tom_c1",
        "tom",
        CURRENT,
        Framework.OKR,
        "Cut churn in my book of business",
        (pct("Logo churn in my accounts", 4, 2, "decrease"), pct("Weekly active seats", 55, 75)),
        parent="cs",
        outcome="off",
    ),
    Spec(
        "tom_c2",
        "tom",
        CURRENT,
        Framework.PLAN,
        "Run the first customer advisory board",
        steps=(
            "Pick the 3 themes with product",
            "Invite 12 customers",
            "Confirm agenda and 8 attendees",
            "Hold the advisory board meeting",
        ),
        parent="cs",
        outcome="on",
        due_days_early=21,
        end_state="Eight customers met our product team and we agreed three themes for 2027.",
    ),
    Spec(
        "tom_career",
        "tom",
        OPEN,
        Framework.PLAN,
        "Become a project manager",
        steps=(
            "Take PM courses",
            "Earn a PM certification",
            "Manage smaller projects",
            "Lead a complex project",
        ),
        horizon="long",
        visibility=Visibility.PRIVATE,
        end_state="I lead cross-team customer projects as a certified project manager.",
    ),
    # --- Léa Martin, Support specialist -----------------------------------------------
    Spec(
        "lea_p1",
        "lea",
        PREV,
        Framework.PLAN,
        "Publish a self-service help center for the top 20 questions",
        steps=("Rank the top 20 ticket topics", "Write and review 20 articles", "Help center live"),
        parent="cs_q3",
        outcome="achieved",
        end_state="Customers find answers to the 20 most common questions without a ticket.",
        worked="Writing from real tickets kept the articles in customers' words.",
        differently="Add screenshots from the start; updating them later took a full week.",
    ),
    Spec(
        "lea_p2",
        "lea",
        PREV,
        Framework.SMART,
        "Cut first response time from 6 hours to 2 hours in Q3",
        (KR("First response time", "hours", 6, 2, "decrease", step="0.1"),),
        parent="cs_q3",
        outcome="missed",
        final=0.62,
        worked="Saved replies for the ten most common questions.",
        differently="Cover the European morning: most slow responses were tickets sent overnight.",
    ),
    Spec(
        "lea_c1",
        "lea",
        CURRENT,
        Framework.SMART,
        "Cut escalated tickets by 30% this quarter",
        (KR("Escalated tickets per week", "tickets", 20, 14, "decrease", step="0.1"),),
        parent="cs",
        outcome="risk",
        visibility=Visibility.TEAM,
    ),
    Spec(
        "lea_c2",
        "lea",
        CURRENT,
        Framework.OKR,
        "Make support answers easy to find",
        (pct("Tickets deflected by the help center", 12, 25), KR("Articles updated", "articles", 0, 40)),
        outcome="on",  # unaligned: a gap
    ),
    # --- Sam Whitaker, Engineering manager --------------------------------------------
    Spec(
        "sam_p1",
        "sam",
        PREV,
        Framework.OKR,
        "Make on-call humane",
        (KR("Pages per week", "pages", 14, 5, "decrease"), KR("Runbooks written", "runbooks", 0, 12)),
        parent="platform_q3",
        outcome="achieved",
        final=1.0,
        worked="Deleting alerts nobody acted on cut half of the pages in one week.",
        differently="Pair runbook writing with the incident review; fresh memories wrote better runbooks.",
    ),
    Spec(
        "sam_p2",
        "sam",
        PREV,
        Framework.SMART,
        "Cut CI build time from 25 to 10 minutes by September",
        (KR("CI build time", "minutes", 25, 10, "decrease", step="0.1"),),
        outcome="missed",
        final=0.6,
        worked="Caching dependencies took six minutes off immediately.",
        differently="Split the test suite before buying bigger runners.",
    ),
    Spec(
        "sam_c1",
        "sam",
        CURRENT,
        Framework.SMART,
        "Get 4 engineers AWS-certified by mid-December",
        (KR("Engineers certified", "engineers", 0, 4),),
        parent="platform",
        outcome="risk",
        due_days_early=16,
    ),
    Spec(
        "sam_c2",
        "sam",
        CURRENT,
        Framework.PLAN,
        "Write the platform's 2027 technical strategy",
        steps=(
            "Interview every team about their platform pain points",
            "Draft the strategy",
            "Review the strategy with Inès",
        ),
        parent="platform",
        outcome="on",
        end_state="A two-page strategy every engineer can explain, agreed with product.",
    ),
    # --- Kenji Watanabe, Senior software engineer -------------------------------------
    Spec(
        "kenji_p1",
        "kenji",
        PREV,
        Framework.OKR,
        "Make the API fast for big customers",
        (
            KR("p95 latency for large workspaces", "ms", 900, 400, "decrease"),
            KR("Timeouts per day", "timeouts", 50, 5, "decrease"),
        ),
        parent="platform_q3",
        outcome="achieved",
        final=1.0,
        worked="Profiling the three slowest endpoints first gave most of the gain.",
        differently="Add latency budgets to code review so the gains stick.",
    ),
    Spec(
        "kenji_p2",
        "kenji",
        PREV,
        Framework.PLAN,
        "Replace the legacy job queue",
        steps=("Run both queues side by side", "Migrate all 14 job types", "Switch the old queue off"),
        parent="platform_q3",
        outcome="missed",
        final=0.67,
        end_state="Every background job runs on the new queue and the old one is gone.",
        worked="Running both queues in parallel caught two ordering bugs before customers did.",
        differently="Migrate the billing jobs last; they needed a finance sign-off we did not plan for.",
    ),
    Spec(
        "kenji_c1",
        "kenji",
        CURRENT,
        Framework.OKR,
        "Cut p95 API latency to 250 ms",
        (
            KR("p95 API latency", "ms", 420, 250, "decrease"),
            KR("Slow queries in the top 50", "queries", 35, 5, "decrease"),
        ),
        parent="platform",
        outcome="on",
    ),
    Spec(
        "kenji_open",
        "kenji",
        OPEN,
        Framework.OKR,
        "Retire the legacy reporting service",
        (
            KR("Reports moved to the new service", "reports", 0, 18),
            KR("Requests a day to the legacy service", "requests", 12_000, 0, "decrease"),
        ),
        outcome="off",
        horizon="mid",
        started_weeks_ago=12,  # no check-in for three weeks: a gap
        due_in_weeks=8,
        description="It still runs on the old cluster and pages whoever is on call about once a week.",
    ),
    Spec(
        "kenji_c2",
        "kenji",
        CURRENT,
        Framework.SMART,
        "Mentor 2 engineers through their first on-call rotation by December",
        (KR("Engineers through their first rotation", "engineers", 0, 2),),
        outcome="on",
        visibility=Visibility.TEAM,
        description="So that the on-call rotation can grow from four to six people.",
    ),
    # --- Zoe Fischer, Software engineer -----------------------------------------------
    Spec(
        "zoe_p1",
        "zoe",
        PREV,
        Framework.SMART,
        "Ship the audit log feature by 20 September",
        (yes("Audit log available to all customers"),),
        outcome="achieved",
        due_days_early=10,
        worked="Shipping to three design partners first caught the export format problem early.",
        differently="Write the retention policy with legal before building, not after.",
    ),
    Spec(
        "zoe_p2",
        "zoe",
        PREV,
        Framework.OKR,
        "Raise test coverage of the billing service",
        (pct("Line coverage", 48, 75), KR("Flaky tests", "tests", 30, 5, "decrease")),
        parent="platform_q3",
        outcome="missed",
        final=0.5,
        worked="Fixing flaky tests first made people trust the suite again.",
        differently="Protect two days a sprint for it; feature work always won otherwise.",
    ),
    Spec(
        "zoe_c1",
        "zoe",
        CURRENT,
        Framework.SMART,
        "Finish 2 AWS certifications by mid-December",
        (KR("AWS certifications earned", "certifications", 0, 2),),
        parent="platform",
        outcome="off",
        due_days_early=16,
    ),
    Spec(
        "zoe_c2",
        "zoe",
        CURRENT,
        Framework.PLAN,
        "Lead the design of the new webhook system",
        steps=(
            "Collect requirements from 6 customers",
            "Get the design doc approved",
            "Webhooks in beta with 5 customers",
        ),
        parent="platform",
        outcome="on",
        end_state="Five customers use reliable, signed webhooks in beta.",
    ),
    # --- Luis Ortega, Data scientist --------------------------------------------------
    Spec(
        "luis_p1",
        "luis",
        PREV,
        Framework.PLAN,
        "Ship the churn prediction model v1",
        steps=("Build the feature pipeline", "Validate on last year's churn", "Model scores visible to CSMs"),
        parent="cs_q3",
        outcome="achieved",
        end_state="CSMs see a weekly churn risk for every account.",
        worked="Working next to two CSMs kept the features grounded in what they see.",
        differently="Agree on how scores will be used before training; precision mattered more than recall.",
    ),
    Spec(
        "luis_p2",
        "luis",
        PREV,
        Framework.SMART,
        "Cut revenue forecast error (MAPE) from 22% to 12% by September",
        (pct("Forecast error (MAPE)", 22, 12, "decrease"),),
        outcome="missed",
        final=0.5,
        worked="Adding pipeline stage age as a feature helped the most.",
        differently="Clean the CRM close dates first; half of the error was data, not the model.",
    ),
    Spec(
        "luis_c1",
        "luis",
        CURRENT,
        Framework.OKR,
        "Help customer success act on churn risk earlier",
        (pct("Churn model precision", 55, 75), pct("CSMs using the risk list weekly", 20, 80)),
        parent="cs",
        outcome="risk",
    ),
    Spec(
        "luis_c2",
        "luis",
        CURRENT,
        Framework.SMART,
        "Ship 2 models that improve lead scoring accuracy by 15%",
        (KR("Lead scoring models shipped", "models", 0, 2),),
        outcome="off",  # unaligned: a gap
    ),
    # --- Hana Kim, Design lead --------------------------------------------------------
    Spec(
        "hana_p1",
        "hana",
        PREV,
        Framework.OKR,
        "Make design system v2 the default for every team",
        (KR("Teams building with v2", "teams", 0, 5), pct("Designers trained on v2", 0, 100)),
        parent="design_q3",
        outcome="achieved",
        final=1.0,
        worked="Office hours twice a week answered questions before they became workarounds.",
        differently="Recruit a champion per team at the start.",
    ),
    Spec(
        "hana_p2",
        "hana",
        PREV,
        Framework.SMART,
        "Run 8 usability tests in Q3",
        (KR("Usability tests run", "tests", 0, 8),),
        outcome="missed",
        final=0.62,
        worked="Remote unmoderated tests were quick to run for small questions.",
        differently="Book participants a month ahead; recruiting was the bottleneck.",
    ),
    Spec(
        "hana_c1",
        "hana",
        CURRENT,
        Framework.PLAN,
        "Grow Ravi into a senior product designer",
        steps=(
            "Agree a growth plan with 3 skills to build",
            "Ravi leads the onboarding redesign",
            "Write the promotion case with Ravi",
        ),
        outcome="on",
        visibility=Visibility.PRIVATE,
        description="Because the team needs a second senior designer to cover two product areas.",
        end_state="Ravi is promoted to senior product designer.",
    ),
    Spec(
        "hana_c2",
        "hana",
        CURRENT,
        Framework.OKR,
        "Make research a weekly habit for product teams",
        (KR("Teams with a weekly research slot", "teams", 1, 6), KR("Insights in the repository", "insights", 40, 120)),
        parent="design",
        outcome="risk",
    ),
    # --- Ravi Shah, Product designer --------------------------------------------------
    Spec(
        "ravi_p1",
        "ravi",
        PREV,
        Framework.SMART,
        "Redesign the onboarding checklist and ship it by 15 September",
        (yes("New onboarding checklist live"),),
        parent="design_q3",
        outcome="achieved",
        due_days_early=15,
        worked="Testing paper prototypes with five customers in week one saved two iterations.",
        differently="Involve support earlier: they knew which steps confused people.",
    ),
    Spec(
        "ravi_p2",
        "ravi",
        PREV,
        Framework.OKR,
        "Make the mobile app feel native",
        (KR("App store rating", "stars", 3.9, 4.5, step="0.1"), KR("Screens redesigned", "screens", 0, 20)),
        outcome="missed",
        final=0.5,
        worked="Native navigation patterns lifted the rating quickly.",
        differently="Scope to the ten most used screens; twenty was too many alongside the checklist.",
    ),
    Spec(
        "ravi_c1",
        "ravi",
        CURRENT,
        Framework.OKR,
        "Make first-time setup effortless",
        (pct("Setup completion", 62, 85), KR("Minutes to first project", "minutes", 25, 10, "decrease", step="0.1")),
        parent="design",
        outcome="on",
    ),
    Spec(
        "ravi_c2",
        "ravi",
        CURRENT,
        Framework.PLAN,
        "Run the onboarding redesign end to end",
        steps=(
            "Map today's onboarding journey",
            "Prototype 2 concepts",
            "Test the prototype with 6 customers",
            "Ship the new onboarding",
        ),
        parent="design",
        outcome="risk",
        end_state="New customers finish setup in one sitting.",
    ),
    Spec(
        "ravi_career",
        "ravi",
        OPEN,
        Framework.PLAN,
        "Become a design lead",
        steps=(
            "Lead a cross-team redesign",
            "Mentor a junior designer",
            "Complete a design leadership course",
            "Lead a design team",
        ),
        horizon="long",
        visibility=Visibility.PRIVATE,
        end_state="I lead a design team that ships research-backed work.",
    ),
    # --- Nora Byrne, UX researcher ----------------------------------------------------
    Spec(
        "nora_p1",
        "nora",
        PREV,
        Framework.PLAN,
        "Build the research repository",
        steps=("Choose the tool", "Tag 200 past insights", "Launch the repository to all teams"),
        parent="design_q3",
        outcome="achieved",
        end_state="Anyone can search past research before starting a new study.",
        worked="Seeding it with 200 tagged insights made it useful on day one.",
        differently="Agree the tag list with PMs; we renamed half of the tags in week two.",
    ),
    Spec(
        "nora_p2",
        "nora",
        PREV,
        Framework.SMART,
        "Recruit a panel of 50 customers for research by September",
        (KR("Customers in the research panel", "customers", 0, 50),),
        outcome="missed",
        final=0.62,
        worked="An in-app invitation after a successful setup worked best.",
        differently="Offer a small thank-you; response rates doubled when we tried it in September.",
    ),
    Spec(
        "nora_c1",
        "nora",
        CURRENT,
        Framework.SMART,
        "Complete 6 customer research studies this quarter",
        (KR("Research studies completed", "studies", 0, 6),),
        parent="design",
        outcome="on",
    ),
    Spec(
        "nora_c2",
        "nora",
        CURRENT,
        Framework.OKR,
        "Understand why trials do not convert",
        (KR("Trial user interviews", "interviews", 0, 20), KR("Validated opportunities", "opportunities", 0, 5)),
        parent="sales",
        outcome="off",
    ),
    # --- Alex Rivera, People operations -----------------------------------------------
    Spec(
        "alex_p1",
        "alex",
        PREV,
        Framework.OKR,
        "Make the first week delightful for new hires",
        (
            KR("New-hire onboarding score", "points", 7.1, 8.5, step="0.1"),
            KR("Days to full tool access", "days", 5, 1, "decrease"),
        ),
        parent="co_q3",
        outcome="achieved",
        final=1.0,
        worked="A buddy for every new hire and accounts ready before day one.",
        differently="Ask managers for the first-week plan two weeks ahead, not two days.",
    ),
    Spec(
        "alex_p2",
        "alex",
        PREV,
        Framework.SMART,
        "Launch 3 development programs by September",
        (KR("Development programs launched", "programs", 0, 3),),
        outcome="missed",
        final=0.67,
        worked="The mentoring program filled in two days.",
        differently="Launch fewer programs with a named owner each.",
    ),
    Spec(
        "alex_c1",
        "alex",
        CURRENT,
        Framework.SMART,
        "Raise engagement scores by 8 points this quarter with 2 development programs",
        (KR("Employee engagement score", "points", 27, 35, step="0.1"),),
        parent="co",
        outcome="risk",
    ),
    Spec(
        "alex_c2",
        "alex",
        CURRENT,
        Framework.PLAN,
        "Roll out the new career framework",
        steps=(
            "Draft levels for 4 job families",
            "Agree levels with the leadership team",
            "Train managers on the framework",
            "Every manager has held career conversations",
        ),
        parent="co",
        outcome="on",
        end_state="Everyone knows their level and what the next one asks of them.",
    ),
]

CAREER_PROFILES = {
    "bo": (
        "Lead a sales team in a fast-growing SaaS company within five years.",
        "Building trust with senior buyers; persistence on long deals.",
        "Coaching others; forecasting a team's number rather than my own.",
        [("Become a sales manager", "bo_career"), ("Win the mid-market in DACH", "bo_c1")],
    ),
    "tom": (
        "Run large customer projects as a certified project manager.",
        "Customer empathy; keeping many stakeholders informed.",
        "Formal project planning; budgeting.",
        [("Become a project manager", "tom_career"), ("Run the first customer advisory board", "tom_c2")],
    ),
    "dev": (
        "Own enterprise deals end to end as an account executive.",
        "Energy on the phone; fast research on prospects.",
        "Running discovery and demos; negotiating.",
        [("Earn the promotion to account executive", "dev_c2")],
    ),
    "zoe": (
        "Become a tech lead for the integrations platform.",
        "Careful design; writing clear docs.",
        "Cloud infrastructure; leading without authority.",
        [("Finish 2 AWS certifications", "zoe_c1"), ("Lead the webhook design", "zoe_c2"), ("Speak at a meetup", None)],
    ),
    "ravi": (
        "Lead a design team that ships research-backed work.",
        "Interaction design; prototyping quickly.",
        "Facilitating workshops; presenting to executives.",
        [("Become a design lead", "ravi_career"), ("Run the onboarding redesign end to end", "ravi_c2")],
    ),
}

# (goal key, author: the owner's manager, Will items as (text, days from today))
COACHING = [
    (
        "carmen_c1",
        "ana",
        "Close €200k of new ARR this quarter.",
        "€40k closed; two large deals slipped to January; the pipeline for December is thin.",
        "Re-engage stalled deals with a new business case; ask Dev for 10 more meetings; pull a renewal forward.",
        [
            ("Call the two stalled champions", 3),
            ("Ask Dev for 10 mid-market meetings", 5),
            ("Send the Helios upsell proposal", 10),
        ],
        True,
    ),
    (
        "tom_c1",
        "priya",
        "Bring churn in my accounts down to 2 %.",
        "Two accounts gave notice; adoption dropped after their admins left.",
        "Find new admins; run an adoption workshop; escalate to product for the missing SSO feature.",
        [("Find a new admin at both accounts", 4), ("Book the adoption workshop", 12)],
        True,
    ),
    (
        "zoe_c1",
        "sam",
        "Pass two AWS certifications before the holidays.",
        "No study time: on-call and the webhook design took every afternoon.",
        "Two protected mornings a week; swap one on-call week; study with Kenji.",
        [("Block Tuesday and Thursday mornings for study", 2), ("Book the first exam", 14)],
        False,
    ),
]

FEEDBACK = [
    (
        "ravi_c2",
        "ravi",
        "nora",
        "Is the prototype test plan asking the right questions?",
        "Yes, but cut it to five tasks; people tired after six.",
    ),
    ("zoe_c2", "zoe", "kenji", "Would you review my webhook design doc this week?", ""),
    (
        "omar_c1",
        "omar",
        "luis",
        "Could the forecast use your churn scores for renewals?",
        "Yes: the scores are stable enough; start with accounts above €20k.",
    ),
]


@dataclass
class Seeder:
    organization: Organization
    members: dict[str, Membership]
    today: date
    cycles: dict[str, Cycle | None]
    teams: dict[str, Team]
    managers: dict[str, Membership]
    goals: dict[str, Goal] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)

    # --- helpers ------------------------------------------------------------------

    def owner_actor(self, spec: Spec) -> Membership:
        if spec.owner.startswith("team:"):
            return self.managers[spec.owner[5:]]
        return self.members[spec.owner]

    def find(self, spec: Spec) -> Goal | None:
        qs = Goal.objects.filter(organization=self.organization, title=spec.title, cycle=self.cycles[spec.cycle])
        if spec.owner.startswith("team:"):
            return qs.filter(owner_team=self.teams[spec.owner[5:]]).first()
        return qs.filter(owner_member=self.members[spec.owner]).first()

    def fraction(self, spec: Spec, goal: Goal) -> float:
        """The share of the target this goal reaches: its outcome for a closed goal, its pace for an open one."""
        if spec.cycle == PREV:
            return spec.final
        expected = arithmetic.expected_progress(goal.start_date, goal.due_date, self.today)
        if expected is None:  # an open-ended plan: a first step or two done
            return 0.3
        return max(0.0, min(0.92, expected + PACE[spec.outcome]))

    @staticmethod
    def value_for(kr: KR, share: float) -> Decimal:
        if kr.metric == "boolean":
            return Decimal(1 if share >= 1 else 0)
        raw = Decimal(str(kr.start)) + Decimal(str(share)) * (Decimal(str(kr.target)) - Decimal(str(kr.start)))
        step = Decimal(kr.step)
        return (raw / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step

    # --- one goal -----------------------------------------------------------------

    def seed(self, spec: Spec) -> Goal:
        existing = self.find(spec)
        if existing is not None:
            self.goals[spec.key] = existing
            return existing
        actor = self.owner_actor(spec)
        cycle = self.cycles[spec.cycle]
        due = None
        if cycle is not None:
            due = cycle.ends_on - timedelta(days=spec.due_days_early)
        elif spec.due_in_weeks:
            due = self.today + timedelta(weeks=spec.due_in_weeks)
        elif spec.horizon == "long":
            due = date(self.today.year + 2, 6, 30)
        goal = services.goal_create(
            actor=actor,
            title=spec.title,
            framework=spec.framework,
            horizon=spec.horizon,
            cycle=cycle,
            owner_team=self.teams[spec.owner[5:]] if spec.owner.startswith("team:") else None,
            description=spec.description,
            due_date=due,
            visibility=spec.visibility,
            tags=spec.tags,
            end_state=spec.end_state,
        )
        self.goals[spec.key] = goal
        self.created.add(spec.key)
        if spec.started_weeks_ago:
            goal.start_date = self.today - timedelta(weeks=spec.started_weeks_ago)
            Goal.objects.filter(pk=goal.pk).update(start_date=goal.start_date)
        share = self.fraction(spec, goal)
        krs = [
            services.kr_create(
                actor=actor,
                goal=goal,
                title=kr.title,
                metric_type=kr.metric,
                unit=kr.unit,
                start_value=kr.start,
                target_value=kr.target,
                direction=kr.direction,
            )
            for kr in spec.krs
        ]
        if spec.steps:
            self.plan(actor, goal, spec, share)
        goal = services.goal_activate(actor=actor, goal=goal)
        if spec.started_weeks_ago:
            self.backdate(goal)
        jitter = [0.08, -0.08, 0.0] if len(krs) > 2 else [0.06, -0.06] if len(krs) == 2 else [0.0]
        for kr, kr_spec, delta in zip(krs, spec.krs, jitter, strict=False):
            kr_share = share if spec.cycle == PREV and share >= 1 else max(0.0, share + delta)
            if kr_spec.direction in ("at_least", "at_most"):
                value = Decimal(str(kr_spec.target)) + Decimal("0.05")  # holding the line
            elif spec.cycle == CURRENT and len(krs) == 1:
                value = self.value_on_pace(spec, goal, kr_spec, kr_share)
            else:
                value = self.value_for(kr_spec, kr_share)
            services.kr_set_value(actor=actor, kr=kr, value=value, reason="Weekly update")
        return goal

    @staticmethod
    def backdate(goal: Goal) -> None:
        """A goal begun weeks ago: its creation and the history written so far date from its start."""
        moment = timezone.make_aware(datetime.combine(goal.start_date, time(10, 0)))
        Goal.objects.filter(pk=goal.pk).update(created_at=moment)
        goal.events.update(created_at=moment)
        goal.created_at = moment

    def value_on_pace(self, spec: Spec, goal: Goal, kr: KR, share: float) -> Decimal:
        """For a one-KR goal: the rounded value nearest the wanted share that gives the wanted status today."""
        expected = arithmetic.expected_progress(goal.start_date, goal.due_date, self.today)
        wanted = {"on": arithmetic.ON_TRACK, "risk": arithmetic.AT_RISK, "off": arithmetic.OFF_TRACK}[spec.outcome]
        start, target, step = Decimal(str(kr.start)), Decimal(str(kr.target)), Decimal(kr.step)
        count = int(abs(target - start) / step)
        if kr.metric == "boolean" or count > 2000:
            return self.value_for(kr, share)
        sign = 1 if target > start else -1
        candidates = [start + sign * i * step for i in range(count + 1)]
        fitting = [
            v
            for v in candidates
            if arithmetic.health(
                arithmetic.kr_progress(start=start, target=target, current=v, direction=kr.direction), expected
            )
            == wanted
        ]
        best = self.value_for(kr, share)
        return min(fitting, key=lambda v: abs(v - best)) if fitting else best

    def steps_done(self, spec: Spec, goal: Goal, share: float, count: int) -> int:
        """How many steps are done: all for an achieved plan, else the count closest to the wanted pace."""
        if spec.cycle == OPEN:
            return 1
        if spec.cycle == PREV:
            return count if spec.outcome == "achieved" else round(share * count)
        expected = arithmetic.expected_progress(goal.start_date, goal.due_date, self.today)
        wanted = {"on": arithmetic.ON_TRACK, "risk": arithmetic.AT_RISK, "off": arithmetic.OFF_TRACK}[spec.outcome]
        fitting = [k for k in range(count) if arithmetic.health(k / count, expected) == wanted]
        return min(fitting or range(count), key=lambda k: abs(k / count - share))

    def plan(self, actor: Membership, goal: Goal, spec: Spec, share: float) -> None:
        """Backward planning: from the end result, add what must happen just before it."""
        for title in reversed(spec.steps):
            services.milestone_add(actor=actor, goal=goal, title=title, source=MilestoneSource.PLAN, before_first=True)
        cycle = self.cycles[spec.cycle]
        services.plan_space_dates(actor=actor, goal=goal, today=cycle.starts_on if cycle else self.today)
        steps = list(goal.milestones.order_by("position"))
        done = self.steps_done(spec, goal, share, len(steps))
        for ms in steps[:done]:
            services.milestone_set_done(actor=actor, milestone=ms, done=True)
            finished = min(ms.due_date or self.today, self.today) - timedelta(days=2)
            Milestone.objects.filter(pk=ms.pk).update(
                completed_at=timezone.make_aware(datetime.combine(finished, time(16, 0)))
            )

    def align(self, specs: list[Spec]) -> None:
        """Link new goals to their parents, then recompute the parents from the deepest up."""
        by_key = {s.key: s for s in specs}

        def depth(key: str) -> int:
            parent = by_key[key].parent
            return 0 if parent is None else 1 + depth(parent)

        parents = set()
        for spec in specs:
            if spec.parent and spec.key in self.created:
                GoalAlignment.objects.get_or_create(
                    child=self.goals[spec.key],
                    parent=self.goals[spec.parent],
                    defaults={"organization": self.organization},
                )
                parents.add(spec.parent)
        for key in sorted(parents, key=depth, reverse=True):
            services.goal_recompute_progress(Goal.objects.get(pk=self.goals[key].pk))

    def close(self, spec: Spec) -> None:
        if spec.key not in self.created:
            return
        goal = self.goals[spec.key]
        status = GoalStatus.ACHIEVED if spec.outcome == "achieved" else GoalStatus.MISSED
        services.goal_close(
            actor=self.owner_actor(spec),
            goal=goal,
            status=status,
            reflection_worked=spec.worked,
            reflection_differently=spec.differently,
        )
        cycle = self.cycles[PREV]
        Goal.objects.filter(pk=goal.pk).update(
            created_at=timezone.make_aware(datetime.combine(cycle.starts_on, time(9, 0))),
            closed_at=timezone.make_aware(datetime.combine(cycle.ends_on, time(17, 0))),
        )


def _team_managers(organization: Organization, teams: dict[str, Team]) -> dict[str, Membership]:
    managers = {}
    for name, team in teams.items():
        link = (
            TeamMembership.objects.filter(team=team, role=TeamRole.MANAGER)
            .select_related("membership")
            .order_by("id")
            .first()
        )
        if link is not None:
            managers[name] = link.membership
    return managers


@transaction.atomic
def seed_goals(*, organization: Organization, members: dict[str, Membership], today: date | None = None) -> dict:
    """Create the demo goals (once). Returns the keys of the goals created by this run."""
    today = today or timezone.localdate()
    current, _next = services.cycle_ensure_quarters(organization=organization, today=today)
    (previous,) = services.cycle_ensure_quarters(
        organization=organization, today=current.starts_on - timedelta(days=1), ahead=0
    )
    teams = {t.name: t for t in Team.objects.filter(organization=organization)}
    seeder = Seeder(
        organization=organization,
        members=members,
        today=today,
        cycles={PREV: previous, CURRENT: current, OPEN: None},
        teams=teams,
        managers=_team_managers(organization, teams),
    )
    everything = TEAM_GOALS + PERSONAL_GOALS
    for spec in everything:
        seeder.seed(spec)
    # Last quarter's personal goals close first; alignment comes after the values are
    # in, so each objective is recomputed once (bottom-up) instead of on every update.
    for spec in everything:
        if spec.cycle == PREV and not spec.owner.startswith("team:"):
            seeder.close(spec)
    seeder.align(everything)
    for spec in everything:
        if spec.cycle == PREV and spec.owner.startswith("team:"):
            seeder.close(spec)

    goals = seeder.goals
    for key, author_key, grow_goal, reality, options, will_items, convert in COACHING:
        if key not in seeder.created:
            continue
        author = members[author_key]
        will = "\n".join(f"- {text} by {(today + timedelta(days=days)).isoformat()}" for text, days in will_items)
        session = services.coaching_session_record(
            actor=author,
            goal=goals[key],
            held_on=today - timedelta(days=6),
            grow_goal=grow_goal,
            reality=reality,
            options=options,
            will=will,
        )
        if convert:
            services.coaching_will_to_milestones(actor=seeder.owner_actor(_spec(key)), session=session)

    for key, asker, recipient, question, answer in FEEDBACK:
        if key not in seeder.created:
            continue
        request = services.feedback_request_create(
            actor=members[asker], goal=goals[key], recipient=members[recipient], question=question
        )
        if answer:
            services.feedback_answer(actor=members[recipient], request=request, answer=answer)

    if "kenji_c1" in seeder.created:
        services.goal_set_confidence(
            actor=members["kenji"],
            goal=goals["kenji_c1"],
            confidence="at_risk",
            note="The last 80 ms need a schema change we have not scheduled yet.",
        )

    for person, (vision, strengths, weaknesses, top) in CAREER_PROFILES.items():
        member = members[person]
        if CareerProfile.objects.filter(member=member).exists():
            continue
        services.career_profile_update(
            actor=member,
            vision=vision,
            strengths=strengths,
            weaknesses=weaknesses,
            top_goals=[(title, goals.get(key) if key else None) for title, key in top],
        )
    return {"created": sorted(seeder.created)}


def _spec(key: str) -> Spec:
    return next(s for s in TEAM_GOALS + PERSONAL_GOALS if s.key == key)
