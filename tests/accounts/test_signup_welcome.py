"""After sign-up the new admin is signed in on their organisation's host, welcomed, and
shown the setup checklist; the ticket that does it works once, briefly, in that browser."""

from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.signup_welcome import COOKIE
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Initech Ltd",
    "slug": "initech",
    "email": "peter@initech.test",
    "password": "tps reports on friday",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # sign-up counters and used tickets live in the cache
    yield
    cache.clear()


def sign_up(public_client) -> tuple[str, str]:
    """(the welcome path with its ticket, the binding cookie's value)."""
    response = public_client.post("/signup", GOOD)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.netloc, location.path) == ("initech.looop.localhost", "/welcome")
    cookie = response.cookies[COOKIE]
    assert (cookie["domain"], cookie["path"], cookie["httponly"], cookie["samesite"]) == (
        "looop.localhost", "/welcome", True, "Lax",
    )  # fmt: skip
    return f"{location.path}?{location.query}", cookie.value


def org_browser(cookie: str | None):
    client = host_client("initech")
    if cookie is not None:
        client.cookies[COOKIE] = cookie
    return client


def test_the_new_admin_arrives_signed_in_with_a_welcome_and_the_checklist(public_client):
    path, cookie = sign_up(public_client)
    browser = org_browser(cookie)
    response = browser.get(path)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response.cookies[COOKIE].value == ""  # the binding cookie is spent
    home = browser.get("/")
    assert home.status_code == 200
    with schema_context("initech"):
        admin = User.objects.get(user_name="peter@initech.test")
    assert home.context["user"].pk == admin.pk
    body = home.content.decode()
    assert "Welcome to Looop, peter@initech.test! Initech Ltd is ready." in body
    assert 'data-testid="checklist"' in body


def test_a_ticket_works_once(public_client):
    path, cookie = sign_up(public_client)
    assert org_browser(cookie).get(path)["Location"] == "/"
    again = org_browser(cookie).get(path)
    assert again["Location"] == "/login"
    assert [str(m) for m in get_messages(again.wsgi_request)] == [
        "Your organisation is ready. Sign in with the password you chose."
    ]


@pytest.mark.parametrize("cookie", [None, "someone-elses-browser-cookie-value-123456"])
def test_a_ticket_in_another_browser_signs_nobody_in(public_client, cookie):
    path, _ = sign_up(public_client)
    browser = org_browser(cookie)
    assert browser.get(path)["Location"] == "/login"
    assert browser.get("/")["Location"].startswith("/login")


def test_a_ticket_for_another_organisation_is_refused(public_client, acme):
    path, cookie = sign_up(public_client)
    browser = host_client("acme")
    browser.cookies[COOKIE] = cookie
    assert browser.get(path)["Location"] == "/login"


def test_an_expired_or_tampered_ticket_is_refused(public_client, monkeypatch):
    path, cookie = sign_up(public_client)
    assert org_browser(cookie).get(path[:-3] + "xyz")["Location"] == "/login"
    assert org_browser(cookie).get("/welcome?ticket=" + "a" * 2000)["Location"] == "/login"
    monkeypatch.setattr("accounts.signup_welcome.TICKET_SECONDS", -1)
    assert org_browser(cookie).get(path)["Location"] == "/login"


def test_an_admin_deactivated_meanwhile_is_not_signed_in(public_client):
    path, cookie = sign_up(public_client)
    with schema_context("initech"):
        User.objects.filter(user_name="peter@initech.test").update(active=False)
    assert org_browser(cookie).get(path)["Location"] == "/login"
