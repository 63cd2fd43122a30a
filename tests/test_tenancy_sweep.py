"""Every URL that takes an id, requested with another organization's ids: 404, nothing changes.

The routes come from the project's resolver (Django's admin excluded), so a new
app's URLs are swept as soon as they exist. Objects come from ``SWEEP_OBJECTS``
in tests/conftest.py (apps may add entries from their own conftest); a URL
with a uuid and no entry fails ``test_every_url_with_an_id_is_registered``.
"""

import uuid

import pytest
from django.apps import apps
from django.urls import reverse

from tests.conftest import SWEEP_OBJECTS, iter_routes, load_app_test_registries

load_app_test_registries()
ID_ROUTES = [route for route in iter_routes() if route.uuid_kwargs]


def _cases():
    """(route, which kwargs carry org B's ids): all of them, and for several ids each one alone."""
    for route in ID_ROUTES:
        yield pytest.param(route, tuple(route.uuid_kwargs), id=f"{route.name}[all]")
        if len(route.uuid_kwargs) > 1:
            for kwarg in route.uuid_kwargs:
                yield pytest.param(route, (kwarg,), id=f"{route.name}[{kwarg}]")


def _registered(route) -> None:
    missing = [kwarg for kwarg in route.uuid_kwargs if (route.name, kwarg) not in SWEEP_OBJECTS]
    if missing:
        pytest.fail(f"Register {route.name} {missing} in tests/conftest.py SWEEP_OBJECTS")


def _build(route, world, organization) -> dict:
    kwargs = {}
    for kwarg in route.uuid_kwargs:
        obj = SWEEP_OBJECTS[(route.name, kwarg)](world, organization)
        owner = getattr(obj, "organization_id", organization.pk)
        assert owner == organization.pk, (
            f"SWEEP_OBJECTS[{route.name!r}, {kwarg!r}] built a row of the wrong organization"
        )
        kwargs[kwarg] = obj.public_id
    return kwargs


def snapshot(organization) -> dict:
    """Every row an organization owns (any model with an ``organization`` key), its people and itself."""
    from apps.accounts.models import Membership, Organization, User

    rows = {}
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is None or field.related_model is not Organization:
            continue
        rows[model._meta.label] = list(model._default_manager.filter(organization=organization).order_by("pk").values())
    user_ids = Membership.objects.filter(organization=organization).values("user_id")
    rows["accounts.User"] = list(User.objects.filter(pk__in=user_ids).order_by("pk").values())
    rows["accounts.Organization"] = list(Organization.objects.filter(pk=organization.pk).values())
    return rows


def test_every_url_with_an_id_is_registered():
    wanted = {(route.name, kwarg) for route in ID_ROUTES for kwarg in route.uuid_kwargs}
    missing = sorted(wanted - SWEEP_OBJECTS.keys(), key=str)
    assert not missing, f"Add these (url name, kwarg) pairs to tests/conftest.py SWEEP_OBJECTS: {missing}"
    stale = sorted(SWEEP_OBJECTS.keys() - wanted, key=str)
    assert not stale, f"SWEEP_OBJECTS names URLs that no longer take these ids: {stale}"


def test_the_sweep_covers_the_accounts_urls():
    names = {route.name for route in ID_ROUTES}
    assert {
        "accounts:person_detail",
        "accounts:invitation_revoke",
        "accounts:invitation_resend",
        "accounts:team_detail",
        "accounts:team_edit",
        "accounts:team_member_add",
        "accounts:team_member_remove",
    } <= names


@pytest.mark.parametrize("who", ["member", "admin"])
@pytest.mark.parametrize(("route", "foreign"), list(_cases()))
def test_ids_of_another_organization_are_not_found(route, foreign, who, world, client_for):
    _registered(route)
    own = _build(route, world, world.org_a)
    theirs = _build(route, world, world.org_b)
    kwargs = {kwarg: theirs[kwarg] if kwarg in foreign else own[kwarg] for kwarg in route.uuid_kwargs}
    url = reverse(route.name, kwargs=kwargs)
    nowhere = reverse(route.name, kwargs={kwarg: uuid.uuid4() if kwarg in foreign else own[kwarg] for kwarg in kwargs})
    before = snapshot(world.org_b)
    client = client_for(getattr(world, who))

    statuses = {}
    for method in ("get", "post"):
        status = getattr(client, method)(url).status_code
        missing_status = getattr(client, method)(nowhere).status_code
        # Another organization's id answers exactly like an id that does not exist:
        # 404, or 405 where the view takes no such method at all.
        assert status == missing_status, f"{method.upper()} {url}: {status}, but {missing_status} for a missing id"
        assert status in (404, 405), f"{method.upper()} {url} as org A's {who}: {status}"
        statuses[method] = status
    assert 404 in statuses.values(), f"{url} refused every method; the id was never looked up"
    assert snapshot(world.org_b) == before, f"{url} changed org B's data"


@pytest.mark.parametrize("route", ID_ROUTES, ids=lambda route: route.name)
def test_ids_of_the_own_organization_are_found(route, world, client_for):
    """The control for the sweep: with org A's own ids, someone in org A gets past the 404."""
    _registered(route)
    url = reverse(route.name, kwargs=_build(route, world, world.org_a))
    answers = []
    for who in ("admin", "member"):
        client = client_for(getattr(world, who))
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            answers.append(f"{who} {method.upper()} {status}")
            if status != 404:
                return
    pytest.fail(
        f"{url} is 404 for org A's own objects too ({', '.join(answers)}); "
        "make its SWEEP_OBJECTS factory build a row org A's admin or member may open"
    )
