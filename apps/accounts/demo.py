"""The demo organization: believable people and teams, created idempotently.

Everyone has been here for a while except the newest hire, a senior engineer
who joined Platform a few days ago and has no goals yet (the alignment gaps
page lists them among the people with no active goal this cycle).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from .models import Membership, Organization, Role, Team, TeamKind, TeamMembership, TeamRole, User

DEMO_PASSWORD = "goalsite-demo-2026"
DEMO_ORG_SLUG = "brightwave"
DEMO_DOMAIN = "brightwave.example"

# (name, kind, parent)
TEAMS = [
    ("Brightwave", TeamKind.COMPANY, None),
    ("Revenue", TeamKind.DEPARTMENT, "Brightwave"),
    ("Product & Engineering", TeamKind.DEPARTMENT, "Brightwave"),
    ("Sales", TeamKind.TEAM, "Revenue"),
    ("Customer Success", TeamKind.TEAM, "Revenue"),
    ("Platform", TeamKind.TEAM, "Product & Engineering"),
    ("Design & Research", TeamKind.TEAM, "Product & Engineering"),
]


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    title: str
    role: str
    team: str
    manages_team: bool
    manager: str | None
    time_zone: str
    joined_days_ago: int | None = None  # a recent hire: joined this many days before the demo was seeded


PEOPLE = [
    DemoPerson("maya", "Maya Chen", "CEO", Role.ADMIN, "Brightwave", True, None, "America/New_York"),
    DemoPerson("omar", "Omar Haddad", "VP Revenue", Role.MANAGER, "Revenue", True, "maya", "America/New_York"),
    DemoPerson(
        "ines",
        "Inès Moreau",
        "VP Product & Engineering",
        Role.MANAGER,
        "Product & Engineering",
        True,
        "maya",
        "Europe/Berlin",
    ),
    DemoPerson("ana", "Ana Souza", "Sales lead", Role.MANAGER, "Sales", True, "omar", "America/New_York"),
    DemoPerson("bo", "Bo Lindqvist", "Account executive", Role.MEMBER, "Sales", False, "ana", "Europe/Berlin"),
    DemoPerson("carmen", "Carmen Díaz", "Account executive", Role.MEMBER, "Sales", False, "ana", "America/New_York"),
    DemoPerson("dev", "Dev Patel", "Sales development rep", Role.MEMBER, "Sales", False, "ana", "America/Chicago"),
    DemoPerson(
        "priya", "Priya Raman", "Customer success lead", Role.MANAGER, "Customer Success", True, "omar", "Europe/London"
    ),
    DemoPerson(
        "tom",
        "Tom Okafor",
        "Customer success manager",
        Role.MEMBER,
        "Customer Success",
        False,
        "priya",
        "Europe/London",
    ),
    DemoPerson(
        "lea", "Léa Martin", "Support specialist", Role.MEMBER, "Customer Success", False, "priya", "Europe/Berlin"
    ),
    DemoPerson("sam", "Sam Whitaker", "Engineering manager", Role.MANAGER, "Platform", True, "ines", "Europe/Berlin"),
    DemoPerson(
        "kenji", "Kenji Watanabe", "Senior software engineer", Role.MEMBER, "Platform", False, "sam", "Pacific/Auckland"
    ),
    DemoPerson("zoe", "Zoe Fischer", "Software engineer", Role.MEMBER, "Platform", False, "sam", "Europe/Berlin"),
    DemoPerson("luis", "Luis Ortega", "Data scientist", Role.MEMBER, "Platform", False, "sam", "America/Chicago"),
    DemoPerson(
        "hana", "Hana Kim", "Design lead", Role.MANAGER, "Design & Research", True, "ines", "America/Los_Angeles"
    ),
    DemoPerson(
        "ravi", "Ravi Shah", "Product designer", Role.MEMBER, "Design & Research", False, "hana", "Asia/Kolkata"
    ),
    DemoPerson("nora", "Nora Byrne", "UX researcher", Role.MEMBER, "Design & Research", False, "hana", "Europe/Dublin"),
    DemoPerson("alex", "Alex Rivera", "People operations", Role.ADMIN, "Brightwave", False, "maya", "America/New_York"),
    DemoPerson(
        "elif",
        "Elif Yılmaz",
        "Senior software engineer",
        Role.MEMBER,
        "Platform",
        False,
        "sam",
        "Europe/Istanbul",
        joined_days_ago=3,
    ),
]


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


@transaction.atomic
def seed_people() -> tuple[Organization, dict[str, Membership]]:
    organization, _ = Organization.objects.get_or_create(slug=DEMO_ORG_SLUG, defaults={"name": "Brightwave"})
    teams: dict[str, Team] = {}
    for name, kind, parent in TEAMS:
        team, _ = Team.objects.update_or_create(
            organization=organization, name=name, defaults={"kind": kind, "parent": teams.get(parent)}
        )
        teams[name] = team
    members: dict[str, Membership] = {}
    password_hash = None  # hashed once: every demo person shares the password
    for person in PEOPLE:
        user = User.objects.filter(email=demo_email(person.key)).first()
        if user is None:
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            joined = timezone.now() - timedelta(days=person.joined_days_ago or 0)
            user = User.objects.create(
                email=demo_email(person.key),
                password=password_hash,
                full_name=person.name,
                time_zone=person.time_zone,
                date_joined=joined,
            )
        membership, _ = Membership.objects.update_or_create(
            user=user,
            defaults={"organization": organization, "role": person.role, "title": person.title, "is_active": True},
        )
        members[person.key] = membership
        TeamMembership.objects.update_or_create(
            team=teams[person.team],
            membership=membership,
            defaults={
                "organization": organization,
                "role": TeamRole.MANAGER if person.manages_team else TeamRole.MEMBER,
            },
        )
    for person in PEOPLE:
        manager = members[person.manager] if person.manager else None
        membership = members[person.key]
        if membership.line_manager_id != (manager.pk if manager else None):
            membership.line_manager = manager
            membership.save(update_fields=["line_manager"])
    return organization, members
