"""Security properties of the whole site: throttling, invitation links, CSRF, redirects, CSP, settings."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Membership
from tests.conftest import iter_routes, load_app_test_registries, url_kwargs_for
from tests.factories import PASSWORD, InvitationFactory

User = get_user_model()
LOGIN = reverse("accounts:login")
HOME = reverse("core:home")

load_app_test_registries()
ROUTES = list(iter_routes())


# --- sign-in throttling (django-axes) ------------------------------------------------


def sign_in(client, email, password, ip="127.0.0.1", **data):
    return client.post(LOGIN, {"username": email, "password": password, **data}, REMOTE_ADDR=ip)


def fail_until_locked(client, email, ip="127.0.0.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, email, "not-the-password", ip=ip)


def test_wrong_passwords_below_the_limit_do_not_lock_the_account(client, world):
    email = world.member.user.email
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, email, "not-the-password")
        assert response.status_code == 200
        assert "That email and password do not match an account." in response.content.decode()
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_after_too_many_wrong_passwords_even_the_right_one_is_refused(client, world):
    email = world.member.user.email
    fail_until_locked(client, email)
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:profile"))["Location"].startswith(LOGIN)  # still signed out


def test_a_lockout_does_not_stop_another_person_on_the_same_network(client, world):
    fail_until_locked(client, world.member.user.email)
    response = sign_in(Client(), world.peer.user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_a_lockout_is_per_address_and_network(client, world):
    """Locked by (email, IP): the same person signing in from elsewhere is not locked out by an attacker."""
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    email = world.member.user.email
    fail_until_locked(client, email, ip="203.0.113.9")
    assert sign_in(Client(), email, PASSWORD, ip="203.0.113.9").status_code == 429
    assert sign_in(Client(), email, PASSWORD, ip="198.51.100.7").status_code == 302


def test_a_lockout_ends_after_the_cool_off(client, world):
    email = world.member.user.email
    fail_until_locked(client, email)
    assert sign_in(client, email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert sign_in(Client(), email, PASSWORD).status_code == 302


# --- invitation links ----------------------------------------------------------------


def accept_url(invitation) -> str:
    return reverse("accounts:invitation_accept", args=[services.invitation_token(invitation)])


ACCEPT = {"full_name": "Nina New", "password1": "orbit-lantern-77", "password2": "orbit-lantern-77"}


@pytest.fixture
def invitation(world):
    return InvitationFactory(organization=world.org_a, email="nina@acme.example", invited_by=world.admin)


def test_an_invitation_link_works_only_once(client, invitation):
    assert client.post(accept_url(invitation), ACCEPT).status_code == 302
    users = User.objects.count()
    second = Client()
    response = second.post(accept_url(invitation), {**ACCEPT, "full_name": "Someone Else"})
    assert response.status_code == 410
    assert "This invitation was already used" in response.content.decode()
    assert User.objects.count() == users
    assert User.objects.get(email="nina@acme.example").full_name == "Nina New"
    assert second.get(accept_url(invitation)).status_code == 410


def test_an_expired_invitation_link_is_gone(client, invitation):
    with time_machine.travel(timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS, minutes=1)):
        assert client.get(accept_url(invitation)).status_code == 410
        response = client.post(accept_url(invitation), ACCEPT)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert not User.objects.filter(email="nina@acme.example").exists()


def test_a_revoked_invitation_link_is_gone(client, world, invitation):
    services.invitation_revoke(actor=world.admin, invitation=invitation)
    response = client.post(accept_url(invitation), ACCEPT)
    assert response.status_code == 410
    assert "This invitation was withdrawn" in response.content.decode()
    assert not User.objects.filter(email="nina@acme.example").exists()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="signature-changed"),
        pytest.param(lambda token: token.split(":")[0], id="signature-removed"),
        pytest.param(lambda token: ("1" if token[0] == "0" else "0") + token[1:], id="id-changed"),
    ],
)
def test_a_tampered_invitation_link_is_not_found(client, invitation, tamper):
    token = tamper(services.invitation_token(invitation))
    url = reverse("accounts:invitation_accept", args=[token])
    assert client.get(url).status_code == 404
    assert client.post(url, ACCEPT).status_code == 404
    assert not User.objects.filter(email="nina@acme.example").exists()


def test_an_invitation_id_signed_with_another_key_is_not_found(client, invitation):
    from django.core import signing

    forged = signing.Signer(key="not-our-secret-key-" * 3, salt="goalsite.accounts.invitation").sign(
        str(invitation.public_id)
    )
    assert client.get(reverse("accounts:invitation_accept", args=[forged])).status_code == 404


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "This password is too short"), ("password1234", "This password is too common")],
)
def test_accepting_an_invitation_refuses_weak_passwords(client, invitation, password, message):
    response = client.post(accept_url(invitation), {**ACCEPT, "password1": password, "password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="nina@acme.example").exists()
    invitation.refresh_from_db()
    assert invitation.state == "pending"


def test_accepting_an_invitation_refuses_a_password_like_the_email(client, invitation):
    response = client.post(
        accept_url(invitation), {**ACCEPT, "password1": "nina@acme.example", "password2": "nina@acme.example"}
    )
    assert "too similar" in response.content.decode()
    assert not User.objects.filter(email="nina@acme.example").exists()


# --- redirect after sign-in ----------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "https:/evil.example", "http://testserver.evil.example/"]
)
def test_sign_in_never_redirects_to_another_host(client, world, target):
    response = sign_in(client, world.member.user.email, PASSWORD, next=target)
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_sign_in_follows_a_next_on_our_own_site(client, world):
    response = sign_in(client, world.member.user.email, PASSWORD, next="/teams/")
    assert response.status_code == 302
    assert response["Location"] == "/teams/"


def test_sign_in_page_keeps_the_next_it_was_given(client, world):
    response = client.get(LOGIN + "?next=/people/")
    assert 'name="next" value="/people/"' in response.content.decode()


# --- CSRF ----------------------------------------------------------------------------

# Views that must accept a POST without a CSRF token, with the reason.
CSRF_EXEMPT = {
    "notifications:unsubscribe_one_click": "RFC 8058 one-click unsubscribe: the mail client POSTs with no session; "
    "the signed token in the URL is the credential",
}

# The accounts forms the crawl must find (so a crawl that finds nothing fails).
ACCOUNTS_POST_FORMS = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_change",
    "accounts:password_reset",
    "accounts:password_reset_confirm",
    "accounts:profile",
    "accounts:invite",
    "accounts:person_detail",
    "accounts:invitation_revoke",
    "accounts:invitation_resend",
    "accounts:invitation_accept",
    "accounts:team_create",
    "accounts:team_edit",
    "accounts:team_member_add",
    "accounts:team_member_remove",
}


def test_csrf_exempt_views_are_exactly_the_listed_ones():
    exempt = {route.name for route in ROUTES if getattr(route.callback, "csrf_exempt", False)}
    assert exempt == set(CSRF_EXEMPT)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name not in CSRF_EXEMPT], ids=lambda r: r.name)
def test_every_post_without_a_csrf_token_is_refused(route, world):
    url = reverse(route.name, kwargs=url_kwargs_for(route, world, world.org_a))
    before = (User.objects.count(), Membership.objects.count())
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(url, {"x": "1"}).status_code == 403
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(world.admin.user)
    signed_in.get(reverse("accounts:profile"))  # holds a CSRF cookie, just not the token in the form
    assert signed_in.post(url, {"x": "1"}).status_code == 403
    assert (User.objects.count(), Membership.objects.count()) == before


def test_the_same_post_with_the_token_passes(world):
    """The control for the CSRF checks: with the token the cookie came with, a POST goes through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member.user)
    page = client.get(reverse("accounts:profile"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    data = {"full_name": "Mel Tokened", "time_zone": "UTC"}
    assert client.post(reverse("accounts:profile"), data).status_code == 403
    assert client.post(reverse("accounts:profile"), {**data, "csrfmiddlewaretoken": token}).status_code == 302
    # htmx sends the token from <body hx-headers> instead
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page.content.decode()).group(1)
    response = client.post(reverse("accounts:profile"), data, HTTP_X_CSRFTOKEN=header_token, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    world.member.user.refresh_from_db()
    assert world.member.user.full_name == "Mel Tokened"


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.scripts: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers.extend((tag, name) for name in attrs if name.startswith("on"))
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action"),
                "csrf": False,
            }
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs.get("name") == "csrfmiddlewaretoken":
            self._form["csrf"] = True
        elif tag == "script":
            self.scripts.append(attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def crawl(world) -> list[tuple[str, object, _PageParser]]:
    """GET every page of the site as org A's admin and as a visitor; (url, response, parsed page) for each 200."""
    InvitationFactory(organization=world.org_a, invited_by=world.admin)  # so the invite page lists one to act on
    admin = Client()
    admin.force_login(world.admin.user)
    urls = [reverse(r.name, kwargs=url_kwargs_for(r, world, world.org_a)) for r in ROUTES]
    urls += [  # pages whose forms show only with people in them
        reverse("accounts:team_detail", args=[world.team.public_id]),
        reverse("accounts:person_detail", args=[world.member.public_id]),
    ]
    pages = []
    for client in (admin, Client()):
        for url in urls:
            response = client.get(url, follow=True)
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                parser = _PageParser()
                parser.feed(response.content.decode())
                pages.append((response.wsgi_request.path, response, parser))
    return pages


def _view_name(action: str) -> str | None:
    try:
        return resolve(urlparse(action).path).view_name
    except Resolver404:
        return None


def test_every_post_form_on_every_page_carries_the_csrf_token_and_posts_to_a_protected_view(world):
    found: set[str] = set()
    problems = []
    for path, _response, page in crawl(world):
        for form in page.forms:
            if form["method"] != "post":
                continue
            action = form["action"] or path
            name = _view_name(action)
            if name is None:
                problems.append(f"{path}: a form posts to {action}, which is no URL of ours")
                continue
            found.add(name)
            if not form["csrf"]:
                problems.append(f"{path}: the form posting to {action} has no csrfmiddlewaretoken")
            if name in CSRF_EXEMPT:
                problems.append(f"{path}: the form posting to {action} targets a CSRF-exempt view")
    assert not problems, "\n".join(problems)
    assert found >= ACCOUNTS_POST_FORMS, f"the crawl missed {sorted(ACCOUNTS_POST_FORMS - found)}"


# --- Content Security Policy ---------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_pages_send_a_strict_content_security_policy(member_client, world):
    response = member_client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    directives = csp_directives(response)
    script_src = directives["script-src"]
    assert "'self'" in script_src
    nonces = [source for source in script_src if source.startswith("'nonce-")]
    assert len(nonces) == 1
    for directive, sources in directives.items():
        assert "'unsafe-inline'" not in sources, directive
        assert "'unsafe-eval'" not in sources, directive
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]


def test_every_script_on_every_page_carries_the_nonce_and_no_inline_handlers(world):
    pages = crawl(world)
    assert len(pages) > 20
    problems = []
    for path, response, page in pages:
        nonce = next(s for s in csp_directives(response)["script-src"] if s.startswith("'nonce-"))[7:-1]
        problems += [
            f"{path}: <script {attrs}> lacks the nonce" for attrs in page.scripts if attrs.get("nonce") != nonce
        ]
        problems += [f"{path}: inline handler {attr} on <{tag}> (CSP blocks it)" for tag, attr in page.handlers]
    assert not problems, "\n".join(problems)
    assert any(page.scripts for _, _, page in pages)


def test_the_nonce_changes_on_every_response(member_client, world):
    first = csp_directives(member_client.get(reverse("accounts:profile")))["script-src"]
    second = csp_directives(member_client.get(reverse("accounts:profile")))["script-src"]
    assert any(source.startswith("'nonce-") for source in first)
    assert first != second


# --- settings ------------------------------------------------------------------------


def _run(args, **env):
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


def test_deploy_checks_pass_under_production_settings():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="goalsite.example",
        SECURE_SSL_REDIRECT="1",
        SITE_URL="https://goalsite.example",
        EMAIL_HOST="smtp.goalsite.example",  # production sends mail (the console backend fails the check)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_fail_when_production_settings_are_weakened():
    """The control: the same check does fail on a weak key and switched-off TLS settings."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY="short",
        ALLOWED_HOSTS="goalsite.example",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr  # weak SECRET_KEY
    assert "security.W008" in result.stderr  # no SSL redirect


def test_without_a_secret_key_and_debug_off_the_site_refuses_to_start():
    result = _run(["manage.py", "check"], DEBUG="0", ALLOWED_HOSTS="goalsite.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    result = _run(["-c", "import django; django.setup()"], DEBUG="0", DJANGO_SETTINGS_MODULE="goalsite.settings")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("redis_url", "cache"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://cache.internal:6379", "redis://cache.internal:6379/1"),
        ("redis://:pw@127.0.0.1:6379/15", "redis://:pw@127.0.0.1:6379/14"),
    ],
)
def test_the_cache_never_shares_the_brokers_redis_database(redis_url, cache):
    """A cache clear() is FLUSHDB: with the broker's database it would drop queued reminders."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CACHES['default']['LOCATION'])"
    )
    result = _run(["-c", code], DEBUG="1", REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="goalsite.settings")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [redis_url, cache]


def test_email_settings_come_from_the_environment_as_the_default_mailer():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.MAILERS)); print(hasattr(s, 'EMAIL_HOST') and s.is_overridden('EMAIL_HOST'))"
    )
    smtp = _run(
        ["-c", code],
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="goalsite.settings",
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
        EMAIL_HOST_USER="goalsite",
        EMAIL_HOST_PASSWORD="s3cret",
    )
    assert smtp.returncode == 0, smtp.stderr
    mailers, deprecated = smtp.stdout.splitlines()
    default = json.loads(mailers)["default"]
    assert default["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert default["OPTIONS"] | {"timeout": None} == {
        "host": "smtp.example.com", "port": 587, "username": "goalsite", "password": "s3cret", "use_tls": True,
        "timeout": None,
    }  # fmt: skip
    assert deprecated == "False"  # no deprecated EMAIL_* Django setting is defined
    console = _run(["-c", code], DEBUG="1", DJANGO_SETTINGS_MODULE="goalsite.settings")
    assert json.loads(console.stdout.splitlines()[0])["default"]["BACKEND"].endswith("console.EmailBackend")
