"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parent.parent
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")

# Reports a blocked resource or inline code as a console error the console watcher collects.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: run `make browsers` (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    # Hashed static names need `collectstatic`; the live server serves files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Seeding and signing in hash passwords many times; the algorithm is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_org(transactional_db):
    """The Brightwave demo people and teams (not the goal and check-in history later apps hook in)."""
    from apps.accounts import demo

    organization, _ = demo.seed_people()
    return organization


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors, uncaught page errors and CSP violations from every watched page."""
    return []


@pytest.fixture
def watch(console_errors) -> Callable:
    """Start collecting a page's console errors, page errors and CSP violations."""

    def _watch(page):
        page.add_init_script(CSP_REPORTER)
        page.on(
            "console", lambda msg: console_errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None
        )
        page.on("pageerror", lambda error: console_errors.append(f"pageerror: {error}"))
        page.on(
            "response",
            lambda response: (
                console_errors.append(f"HTTP {response.status}: {response.url}") if response.status >= 500 else None
            ),
        )
        return page

    return _watch


@pytest.fixture
def page(page, watch):
    return watch(page)


@pytest.fixture
def screenshot(request) -> Callable:
    """Save a full-page screenshot to test-artifacts/screenshots/<test-name>[-<label>].png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def _screenshot(page, label: str = "") -> Path:
        path = SCREENSHOTS / (f"{base}-{label}.png" if label else f"{base}.png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot


def wait_for_landing(page, live_server) -> None:
    """Wait until the browser has left the sign-in/join page and landed on a signed-in page.

    "/" may redirect to an app's landing page (settings.GOALSITE_HOME_RESOLVER), so
    the tests check what the landing page shows, not its address.
    """
    page.wait_for_url(lambda url: url.startswith(live_server.url) and "/signin/" not in url and "/join/" not in url)
    page.wait_for_load_state()


@pytest.fixture
def sign_in(live_server) -> Callable:
    """Sign in through the real form and wait for the home page."""

    def _sign_in(page, email: str, password: str = "goalsite-demo-2026"):
        page.goto(f"{live_server.url}/signin/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        wait_for_landing(page, live_server)
        return page

    return _sign_in
