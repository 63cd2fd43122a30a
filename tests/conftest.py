"""One test world for the whole suite, signed-in clients, and the URL registries.

The world (``world`` fixture) has two organizations:

* org A ("Acme"): ``admin``; ``manager`` (line manager of ``member`` and
  manager of ``team``); ``member`` (in ``team``); ``peer`` (a member of
  ``peer_team``). ``company`` is the top-level team both teams sit in.
* org B ("Bluebird"): ``outsider`` (its admin), ``outsider_member`` and
  ``team_b`` (both of them in it).

Later apps add their own objects with a fixture built on top of it::

    @pytest.fixture
    def goal_world(world):
        world.goal = GoalFactory(organization=world.org_a, owner=world.member)
        world.goal_b = GoalFactory(organization=world.org_b, owner=world.outsider_member)
        return world

and register every URL that takes an id in ``SWEEP_OBJECTS`` below (the
tenancy sweep fails until they do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import caches
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts import services as account_services
from apps.accounts.models import Membership, Organization, Role, Team, TeamKind, TeamRole

from .factories import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
)

# Extra request headers that make a request look like htmx sent it.
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- the world -----------------------------------------------------------------------


@dataclass
class World:
    org_a: Organization
    admin: Membership
    manager: Membership
    member: Membership
    peer: Membership
    company: Team
    team: Team
    peer_team: Team
    org_b: Organization
    outsider: Membership
    outsider_member: Membership
    team_b: Team

    def admin_of(self, organization: Organization) -> Membership:
        """The admin of org A or org B (for registry factories that need an owner)."""
        return self.admin if organization.pk == self.org_a.pk else self.outsider

    def member_of(self, organization: Organization) -> Membership:
        return self.member if organization.pk == self.org_a.pk else self.outsider_member


def _person(organization: Organization, email: str, name: str, role: str, **extra) -> Membership:
    user = UserFactory(email=email, full_name=name)
    return MembershipFactory(organization=organization, user=user, role=role, **extra)


def build_world() -> World:
    org_a = OrganizationFactory(name="Acme", slug="acme")
    admin = _person(org_a, "ada.admin@acme.example", "Ada Admin", Role.ADMIN, title="Head of people")
    manager = _person(org_a, "mona.manager@acme.example", "Mona Manager", Role.MANAGER, line_manager=admin)
    member = _person(org_a, "mel.member@acme.example", "Mel Member", Role.MEMBER, line_manager=manager)
    peer = _person(org_a, "pete.peer@acme.example", "Pete Peer", Role.MEMBER, line_manager=admin)
    company = TeamFactory(organization=org_a, name="Acme", kind=TeamKind.COMPANY)
    team = TeamFactory(organization=org_a, name="Rockets", parent=company)
    peer_team = TeamFactory(organization=org_a, name="Anvils", parent=company)
    TeamMembershipFactory(team=team, membership=manager, role=TeamRole.MANAGER)
    TeamMembershipFactory(team=team, membership=member, role=TeamRole.MEMBER)
    TeamMembershipFactory(team=peer_team, membership=peer, role=TeamRole.MEMBER)

    org_b = OrganizationFactory(name="Bluebird", slug="bluebird")
    outsider = _person(org_b, "olga.outsider@bluebird.example", "Olga Outsider", Role.ADMIN)
    outsider_member = _person(
        org_b, "otto.outsider@bluebird.example", "Otto Outsider", Role.MEMBER, line_manager=outsider
    )
    team_b = TeamFactory(organization=org_b, name="Feathers")
    TeamMembershipFactory(team=team_b, membership=outsider, role=TeamRole.MANAGER)
    TeamMembershipFactory(team=team_b, membership=outsider_member, role=TeamRole.MEMBER)
    return World(
        org_a=org_a,
        admin=admin,
        manager=manager,
        member=member,
        peer=peer,
        company=company,
        team=team,
        peer_team=peer_team,
        org_b=org_b,
        outsider=outsider,
        outsider_member=outsider_member,
        team_b=team_b,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


# --- signed-in clients ---------------------------------------------------------------


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """Make a fresh test client signed in as a membership's user."""

    def make(membership: Membership, **client_kwargs) -> Client:
        client = Client(**client_kwargs)
        client.force_login(membership.user, backend="apps.accounts.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def admin_client(world, client_for) -> Client:
    """Signed in as org A's admin (replaces pytest-django's superuser client, which has no organization)."""
    return client_for(world.admin)


@pytest.fixture
def manager_client(world, client_for) -> Client:
    return client_for(world.manager)


@pytest.fixture
def member_client(world, client_for) -> Client:
    return client_for(world.member)


@pytest.fixture
def peer_client(world, client_for) -> Client:
    return client_for(world.peer)


@pytest.fixture
def outsider_client(world, client_for) -> Client:
    """Signed in as org B's admin."""
    return client_for(world.outsider)


@pytest.fixture
def outsider_member_client(world, client_for) -> Client:
    return client_for(world.outsider_member)


# --- isolation -----------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Hash test passwords with a cheap hasher: the world alone creates six users.

    The production hasher (PBKDF2, over a million rounds) costs about a second a
    password on a busy machine; what the tests check (set_password,
    check_password, validators, throttling) does not depend on which hasher runs.
    """
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _collected_static_files(tmp_path_factory):
    """Run collectstatic once per session into a private directory.

    Tests run with DEBUG=0, i.e. the production storage (WhiteNoise's manifest
    storage), so a template that names a missing static file fails here
    exactly as it would in production. The directory is per session, so
    concurrent test runs never share it.
    """
    from django.core.management import call_command
    from django.test.utils import override_settings

    static_root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield static_root


@pytest.fixture(autouse=True)
def _clean_sign_in_throttle(request):
    """Start every test with no recorded sign-in failures.

    django-axes keeps failures in the database (rolled back after each ``db``
    test) and, with a cache handler, in the cache; clear both so one test's
    lockout can never leak into the next.
    """
    caches["default"].clear()
    if "db" in request.fixturenames:
        request.getfixturevalue("db")
        from axes.utils import reset

        reset()
    yield
    caches["default"].clear()


# --- URL registries ------------------------------------------------------------------

# Every URL that takes a uuid: (namespaced url name, kwarg) -> a factory that
# builds an object of the right type in the given organization. The tenancy
# sweep requests each URL with objects of org B as users of org A and expects
# 404; it also requests it with objects of org A as org A's admin and expects
# something other than 404 (so the sweep proves the id is what is refused).
# A new URL with a uuid kwarg and no entry here fails the sweep.
SweepFactory = Callable[[World, Organization], Model]

SWEEP_OBJECTS: dict[tuple[str, str], SweepFactory] = {
    ("accounts:person_detail", "public_id"): lambda w, org: MembershipFactory(organization=org),
    ("accounts:invitation_revoke", "public_id"): lambda w, org: InvitationFactory(
        organization=org, invited_by=w.admin_of(org)
    ),
    ("accounts:invitation_resend", "public_id"): lambda w, org: InvitationFactory(
        organization=org, invited_by=w.admin_of(org)
    ),
    ("accounts:team_detail", "public_id"): lambda w, org: TeamFactory(organization=org),
    ("accounts:team_edit", "public_id"): lambda w, org: TeamFactory(organization=org),
    ("accounts:team_member_add", "public_id"): lambda w, org: TeamFactory(organization=org),
    ("accounts:team_member_remove", "public_id"): lambda w, org: TeamFactory(organization=org),
    ("accounts:team_member_remove", "member_id"): lambda w, org: MembershipFactory(organization=org),
}


def _invitation_token(w: World) -> dict[str, str]:
    invitation = InvitationFactory(organization=w.org_a, invited_by=w.admin)
    return {"token": account_services.invitation_token(invitation)}


def _password_reset_token(w: World) -> dict[str, str]:
    user = w.member.user
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


# URLs whose kwargs are not uuids must carry a token signed with the secret key
# (the architecture test allows no other kind). Each entry builds valid kwargs.
TOKEN_URLS: dict[str, Callable[[World], dict[str, str]]] = {
    "accounts:invitation_accept": _invitation_token,
    "accounts:password_reset_confirm": _password_reset_token,
}


def load_app_test_registries() -> None:
    """Import every ``tests/<app>/conftest.py`` so their SWEEP_OBJECTS / TOKEN_URLS entries are in.

    An app's tests may register its URLs from its own conftest; pytest imports
    that conftest only when the app's directory is collected, so the sweeps call
    this first and see every app's registrations even when run on their own.
    """
    import importlib
    from pathlib import Path

    tests_dir = Path(__file__).resolve().parent
    for conftest in sorted(tests_dir.glob("*/conftest.py")):
        if (conftest.parent / "__init__.py").exists():
            importlib.import_module(f"tests.{conftest.parent.name}.conftest")


def _catalog_template_key(w: World) -> dict[str, str]:
    from apps.goals import catalog

    return {"key": catalog.TEMPLATES[0].key}


# URLs whose parameter names a built-in entry that belongs to no organization
# (a catalog in code, not a database row), so there is nothing to sweep. Each
# entry builds valid kwargs.
CATALOG_URLS: dict[str, Callable[[World], dict[str, str]]] = {
    "goals:template_use": _catalog_template_key,
}


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    converters: dict[str, Any]
    callback: Callable

    @property
    def uuid_kwargs(self) -> list[str]:
        return [kwarg for kwarg, conv in self.converters.items() if type(conv).__name__ == "UUIDConverter"]


def iter_routes(patterns=None, prefix: str = "", namespace: str | None = None, converters=None) -> Iterator[Route]:
    """Every URL pattern of the project (Django's admin excluded), with its full route and converters."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    converters = converters or {}
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin" or entry.namespace == "admin":
                continue
            child_ns = ":".join(part for part in (namespace, entry.namespace) if part) or None
            yield from iter_routes(
                entry.url_patterns,
                prefix + str(entry.pattern),
                child_ns,
                {**converters, **getattr(entry.pattern, "converters", {})},
            )
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(
                name=name,
                route=prefix + str(entry.pattern),
                converters={**converters, **getattr(entry.pattern, "converters", {})},
                callback=entry.callback,
            )


def url_kwargs_for(route: Route, world: World, organization: Organization) -> dict[str, Any]:
    """Kwargs that make a route resolve to real objects of ``organization`` (or valid tokens for org A)."""
    if route.name in TOKEN_URLS:
        return TOKEN_URLS[route.name](world)
    if route.name in CATALOG_URLS:
        return CATALOG_URLS[route.name](world)
    return {kwarg: SWEEP_OBJECTS[(route.name, kwarg)](world, organization).public_id for kwarg in route.uuid_kwargs}


# --- response helpers ----------------------------------------------------------------


def assert_fragment(response, *markers: str) -> str:
    """An htmx partial: status 200, the given markup present, no page chrome around it."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert "<html" not in html, "expected a fragment, got a whole page"
    for marker in markers:
        assert marker in html, f"{marker!r} missing from the fragment"
    return html


def assert_page(response, *markers: str) -> str:
    """A whole page: status 200, the given markup present inside the layout."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert "<html" in html, "expected a whole page"
    for marker in markers:
        assert marker in html, f"{marker!r} missing from the page"
    return html
