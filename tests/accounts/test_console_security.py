"""Security of the console: headers, no inline scripts, CSRF, session keys, sign-in throttling."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import html
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.client import RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import organisation_host, user_create
from accounts.throttle import client_ip, signin_pause_seconds
from scim.models import ScimToken
from scim.services import token_create
from tests.accounts.console_support import bob, scott  # noqa: F401
from tests.conftest import PASSWORD, host_client

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)


def sign_in(client: Client, email: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post("/login", {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail_now(schema: str) -> None:
    """Date the recorded failures to this instant: a loaded machine can spend the whole pause
    hashing the failed passwords, and the pause runs from the start of each attempt."""
    with schema_context(schema):
        AccessAttempt.objects.update(attempt_time=timezone.now())


def age_attempts(schema: str, seconds: int) -> None:
    """Pretend the recorded failures happened `seconds` earlier."""
    with schema_context(schema):
        for attempt in AccessAttempt.objects.all():
            attempt.attempt_time -= timedelta(seconds=seconds)
            attempt.save(update_fields=["attempt_time"])


# --- headers and markup ---


@pytest.mark.parametrize("path", ["/people", "/account/provisioning", "/login"])
def test_org_pages_send_csp_and_friends(alice_client, path):
    response = alice_client.get(path, follow=True)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_public_pages_send_csp(public_client):
    for path in ["/", "/signup", "/signup/slug-available?slug=x"]:
        assert public_client.get(path)["Content-Security-Policy"] == CSP, path


def test_no_inline_scripts_handlers_or_styles_anywhere(alice_client, bob, scott, public_client):
    with schema_context("acme"):
        token, _ = token_create(name="Entra", actor=None)
    pages = [
        alice_client.get(path)
        for path in [
            "/",
            "/people",
            "/people/new",
            f"/people/{bob.pk}",
            f"/people/{bob.pk}/edit",
            f"/people/{scott.pk}",
            "/groups",
            "/account/authentication",
            "/account/authentication/reset-token",
            "/account/provisioning",
            f"/account/provisioning/tokens/{token.pk}/revoke",
        ]
    ]
    pages.append(alice_client.get("/help/microsoft"))
    # The pages that show a new secret once (POST -> redirect -> GET).
    pages.append(
        alice_client.post("/account/provisioning/tokens", {"name": "Shown once"}, follow=True)
    )
    pages.append(alice_client.post("/account/authentication/reset-token", follow=True))
    assert all("new-secret" in page.content.decode() for page in pages[-2:])
    pages.append(public_client.get("/signup"))
    pages.append(host_client("acme").get("/login"))
    for response in pages:
        assert response.status_code == 200, response.wsgi_request.path
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), response.wsgi_request.path
        assert not INLINE_HANDLER.search(html), response.wsgi_request.path
        assert not INLINE_STYLE.search(html), response.wsgi_request.path


def test_console_pages_load_their_script_from_static(alice_client):
    html = alice_client.get("/account/provisioning").content.decode()
    assert re.search(r'<script src="/static/looop/console\.[0-9a-f]+\.js" defer></script>', html)


# --- CSRF ---


def test_forms_without_a_csrf_token_are_refused(alice):
    client = Client(HTTP_HOST=organisation_host("acme"), enforce_csrf_checks=True)
    with schema_context("acme"):
        client.force_login(alice)
    refused = client.post("/account/provisioning/tokens", {"name": "Forged"})
    assert refused.status_code == 403
    refused = client.post("/account/authentication/microsoft", {"enabled": "1"})
    assert refused.status_code == 403
    with schema_context("acme"):
        assert not ScimToken.objects.exists()
    page = client.get("/account/provisioning").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    accepted = client.post(
        "/account/provisioning/tokens", {"name": "Genuine", "csrfmiddlewaretoken": csrf}
    )
    assert accepted.status_code == 303
    with schema_context("acme"):
        assert list(ScimToken.objects.values_list("name", flat=True)) == ["Genuine"]


def test_sign_in_issues_a_new_session_key(acme_client, alice):
    acme_client.get("/login")
    acme_client.session.save()
    anonymous_key = acme_client.cookies[settings.SESSION_COOKIE_NAME].value
    assert sign_in(acme_client, "alice@acme.test").status_code == 302
    assert acme_client.cookies[settings.SESSION_COOKIE_NAME].value != anonymous_key
    assert acme_client.get("/people").status_code == 200


# --- sign-in throttling: slow down, then lock ---


def test_pause_schedule():
    assert [signin_pause_seconds(n) for n in range(7)] == [0, 0, 0, 2, 4, 8, 16]


def test_repeated_failures_slow_down_then_pass_after_the_pause(acme_client, alice):
    for _ in range(3):
        response = sign_in(acme_client, "alice@acme.test", "wrong")
        assert response.status_code == 200  # the ordinary "don't match" form
    fail_now("acme")
    paused = sign_in(acme_client, "alice@acme.test")  # even the right password waits
    assert paused.status_code == 429
    # A 2-second pause from the last failure; hashing the password took part of it already.
    wait = paused["Retry-After"]
    assert wait in {"1", "2"}
    body = paused.content.decode()
    assert "Please wait before trying again" in body
    assert f"Wait {wait} second{'' if wait == '1' else 's'}, then try again." in body
    assert "_auth_user_id" not in acme_client.session
    age_attempts("acme", 60)  # more than any pause so far, less than the lock window
    assert sign_in(acme_client, "alice@acme.test").status_code == 302


LOCKED_MESSAGE = (
    "Too many failed sign-in attempts for this account from your network, or from your "
    "network in all. Try again in 15 minutes; attempts in the meantime don't extend the wait."
)


def test_an_account_locks_for_the_failing_address_only(acme_client, alice, settings):
    """Someone typing alice's name with wrong passwords locks her out of *their* address."""
    settings.SIGNIN_SLOWDOWN_AFTER = 100  # look at the lock alone
    settings.AXES_FAILURE_LIMIT = 4  # each failure costs a password hash: keep it short
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(acme_client, "alice@acme.test", "wrong").status_code == 200
    locked = sign_in(acme_client, "alice@acme.test", "wrong")
    assert locked.status_code == 429
    assert 15 * 60 - 10 <= int(locked["Retry-After"]) <= 15 * 60  # from the last failure
    body = html.unescape(locked.content.decode())
    assert "Sign-in is locked for a while" in body
    assert LOCKED_MESSAGE in body
    # Even the right password, and in other letter case, from that address is refused ...
    assert sign_in(acme_client, "ALICE@acme.test", PASSWORD).status_code == 429
    assert "_auth_user_id" not in acme_client.session
    # ... while alice, at her own desk, signs in as usual.
    elsewhere = host_client("acme")
    assert sign_in(elsewhere, "alice@acme.test", PASSWORD, ip="10.9.9.9").status_code == 302
    age_attempts("acme", 16 * 60)
    assert sign_in(acme_client, "alice@acme.test", PASSWORD).status_code == 302


def test_attempts_during_a_lock_do_not_restart_it(acme_client, alice, settings):
    settings.SIGNIN_SLOWDOWN_AFTER = 100
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(acme_client, "alice@acme.test", "wrong")
    with schema_context("acme"):
        before = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    assert len(before) == 1 and before[0][0] == 3
    age_attempts("acme", 10 * 60)  # 10 of the 15 minutes have passed
    # One attempt every few minutes used to keep the lock going for ever.
    refused = sign_in(acme_client, "alice@acme.test", "wrong")
    assert refused.status_code == 429
    assert 4 * 60 < int(refused["Retry-After"]) <= 5 * 60  # what is left, not 15 minutes again
    assert "Try again in 5 minutes" in refused.content.decode()
    with schema_context("acme"):
        after = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    assert after == [(3, before[0][1] - timedelta(minutes=10))]  # not counted, not restarted
    age_attempts("acme", 5 * 60 + 1)
    assert sign_in(acme_client, "alice@acme.test", PASSWORD).status_code == 302


def test_an_address_locks_at_its_own_higher_limit(acme_client, alice, bob, settings):
    settings.SIGNIN_SLOWDOWN_AFTER = 100
    settings.AXES_FAILURE_LIMIT = 3
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 5
    # Two failures each for two accounts: under both limits.
    for n in range(4):
        assert (
            sign_in(acme_client, f"guess{n % 2}@acme.test", "wrong", ip="10.6.6.6").status_code
            == 200
        )
    assert sign_in(acme_client, "bob@acme.test", PASSWORD, ip="10.6.6.6").status_code == 302
    # The fifth failure from that address, on yet another account, locks the address ...
    assert (
        sign_in(host_client("acme"), "guess9@acme.test", "wrong", ip="10.6.6.6").status_code == 429
    )
    assert sign_in(host_client("acme"), "bob@acme.test", PASSWORD, ip="10.6.6.6").status_code == 429
    # ... and no other address.
    assert sign_in(host_client("acme"), "bob@acme.test", PASSWORD, ip="10.7.7.7").status_code == 302


def test_failures_are_counted_per_account_and_address(acme_client, alice, settings):
    settings.SIGNIN_SLOWDOWN_AFTER = 100
    settings.AXES_FAILURE_LIMIT = 3
    for ip in ["10.1.1.1", "10.1.1.2", "10.1.1.1", "10.1.1.3", "10.1.1.1"]:
        sign_in(host_client("acme"), "alice@acme.test", "wrong", ip=ip)
    with schema_context("acme"):
        rows = sorted(
            AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")
        )
    assert rows == [
        ("alice@acme.test", "10.1.1.1", 3),
        ("alice@acme.test", "10.1.1.2", 1),
        ("alice@acme.test", "10.1.1.3", 1),
    ]
    assert (
        sign_in(host_client("acme"), "alice@acme.test", PASSWORD, ip="10.1.1.1").status_code == 429
    )
    assert (
        sign_in(host_client("acme"), "alice@acme.test", PASSWORD, ip="10.1.1.2").status_code == 302
    )


def test_lockouts_stay_inside_their_organisation(acme, globex, settings):
    settings.SIGNIN_SLOWDOWN_AFTER = 100
    settings.AXES_FAILURE_LIMIT = 4
    for schema in ["acme", "globex"]:
        with schema_context(schema):
            user_create(
                actor=SYSTEM,
                user_name="sam@example.com",
                email="sam@example.com",
                password=PASSWORD,
            )
    acme_client, globex_client = host_client("acme"), host_client("globex")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(acme_client, "sam@example.com", "wrong")
    assert sign_in(acme_client, "sam@example.com").status_code == 429
    assert sign_in(globex_client, "sam@example.com").status_code == 302
    with schema_context("acme"):
        assert AccessAttempt.objects.filter(username="sam@example.com").exists()
    with schema_context("globex"):
        assert not AccessAttempt.objects.exists()


def test_client_address_trusts_only_our_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # the spoofed left-most entry is ignored
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"  # fewer entries than proxies: don't guess


def test_the_pause_is_per_account_and_address(acme_client, alice):
    for _ in range(3):
        sign_in(acme_client, "alice@acme.test", "wrong")
    fail_now("acme")
    assert sign_in(acme_client, "alice@acme.test").status_code == 429
    assert sign_in(host_client("acme"), "alice@acme.test", ip="10.2.2.2").status_code == 302


def test_attempts_during_a_pause_are_not_counted(acme_client, alice):
    for _ in range(3):
        sign_in(acme_client, "alice@acme.test", "wrong")
    fail_now("acme")
    for _ in range(3):
        assert sign_in(acme_client, "alice@acme.test", "wrong").status_code == 429
    with schema_context("acme"):
        assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == [3]


def test_deactivated_and_scim_users_are_still_counted(acme_client, scott):
    """Throttling doesn't depend on whether the account exists or can sign in."""
    for _ in range(3):
        sign_in(acme_client, "nobody@acme.test", "wrong")
    fail_now("acme")
    assert sign_in(acme_client, "nobody@acme.test", "wrong").status_code == 429
    with schema_context("acme"):
        assert User.objects.filter(user_name="nobody@acme.test").count() == 0


def test_operators_unlock_an_account_with_a_tenant_command(acme_client, alice, settings):
    settings.SIGNIN_SLOWDOWN_AFTER = 100
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(acme_client, "alice@acme.test", "wrong")
    assert sign_in(acme_client, "alice@acme.test").status_code == 429
    call_command(
        "tenant_command", "axes_reset_username", "alice@acme.test", schema_name="acme", verbosity=0
    )
    assert sign_in(acme_client, "alice@acme.test").status_code == 302
