"""Rules of the codebase that a reviewer could miss, checked on every app present and future.

1. Views, forms and tasks reach data only through selectors and services: no
   ``Model.objects`` in them (STYLE.md, "Authorization you cannot forget" 4).
2. URLs address rows by UUID or by a token signed with the secret key, never
   by an integer key that can be counted through.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import CATALOG_URLS, TOKEN_URLS, iter_routes, load_app_test_registries

APPS_DIR = Path(settings.BASE_DIR) / "apps"
# Modules that must not touch the ORM directly, as a module or as a package of modules.
GUARDED_MODULES = ("views", "forms", "tasks")
# Manager attributes that would bypass the selectors the same way ``objects`` does.
BYPASS_MANAGERS = {"_default_manager", "_base_manager"}


def guarded_files() -> list[Path]:
    files: list[Path] = []
    for app in sorted(p for p in APPS_DIR.iterdir() if (p / "apps.py").exists() or (p / "models.py").exists()):
        for module in GUARDED_MODULES:
            if (app / f"{module}.py").exists():
                files.append(app / f"{module}.py")
            if (app / module).is_dir():
                files.extend(sorted((app / module).rglob("*.py")))
    return files


def orm_bypasses(source: str) -> list[tuple[int, str]]:
    """(line, expression) for every ``X.objects`` and every default-manager use other than ``.none()``."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr == "objects":
            found.append((node.lineno, ast.unparse(node)))
        elif node.attr in BYPASS_MANAGERS:
            parent = parents.get(node)
            # ``Model._default_manager.none()`` is the empty placeholder queryset of a scoped choice field.
            if not (isinstance(parent, ast.Attribute) and parent.attr == "none"):
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_the_guard_finds_direct_orm_use():
    source = (
        "from .models import Goal\n"
        "def view(request):\n"
        "    # Goal.objects.all() in a comment is fine\n"
        "    text = 'Goal.objects.all()'\n"
        "    goals = Goal.objects.filter(pk=1)\n"
        "    other = Goal._default_manager.all()\n"
        "    empty = Goal._default_manager.none()\n"
        "    return getattr(Goal, 'objects')\n"
    )
    assert orm_bypasses(source) == [(5, "Goal.objects"), (6, "Goal._default_manager")]


def test_there_are_views_forms_and_tasks_to_guard():
    names = {(path.parent.name, path.name) for path in guarded_files()}
    assert ("accounts", "views.py") in names
    assert ("accounts", "forms.py") in names
    assert ("accounts", "tasks.py") in names


@pytest.mark.parametrize("path", guarded_files(), ids=lambda p: str(p.relative_to(APPS_DIR)))
def test_views_forms_and_tasks_do_not_query_models_directly(path):
    bypasses = orm_bypasses(path.read_text())
    assert not bypasses, (
        f"{path.relative_to(APPS_DIR.parent)} reaches the ORM directly; go through a selector or service: "
        + ", ".join(f"line {line}: {expr}" for line, expr in bypasses)
    )


# --- URLs ----------------------------------------------------------------------------

load_app_test_registries()
ROUTES = list(iter_routes())


def test_url_walk_sees_the_apps_and_skips_django_admin():
    names = {route.name for route in ROUTES}
    assert {"core:home", "accounts:team_detail", "accounts:invitation_accept"} <= names
    assert not any(route.route.startswith("django-admin/") for route in ROUTES)


def test_no_url_takes_an_integer_id():
    integer_routes = [
        route.route
        for route in ROUTES
        if any(type(conv).__name__ == "IntConverter" for conv in route.converters.values()) or r"\d" in route.route
    ]
    assert not integer_routes, f"Address rows by public UUID, not by integer: {integer_routes}"


def test_every_url_parameter_is_a_uuid_or_a_signed_token():
    loose = [
        f"{route.name} ({route.route})"
        for route in ROUTES
        if (
            any(type(conv).__name__ != "UUIDConverter" for conv in route.converters.values())
            or "(?P<" in route.route  # a regex parameter: not a uuid converter either
        )
        and route.name not in TOKEN_URLS
        and route.name not in CATALOG_URLS
    ]
    assert not loose, (
        "These URLs take a parameter that is neither a uuid, a registered signed token (tests/conftest.py "
        f"TOKEN_URLS) nor the key of a built-in catalog entry (CATALOG_URLS): {loose}"
    )


def test_token_and_catalog_urls_exist_and_take_no_integer():
    names = {route.name: route for route in ROUTES}
    for name in [*TOKEN_URLS, *CATALOG_URLS]:
        assert name in names, f"{name} is registered in tests/conftest.py but is not a URL any more"
        assert not any(type(conv).__name__ == "IntConverter" for conv in names[name].converters.values())
