"""Console and public pages: a NUL in a query or form parameter is a 400 page that says so,
before any view runs; it never reaches PostgreSQL (which answered 500 before)."""

import html
import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import Group, User
from accounts.services import organisation_host

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(acme) -> Group:
    with schema_context("acme"):
        return Group.objects.create(display_name="Sales")


def refusal_text(response) -> str:
    """The 400 page's message."""
    return html.unescape(re.search(r"<h1>We couldn't read that request</h1><p>(.*?)</p>",
                                   response.content.decode())[1])  # fmt: skip


def refused(name: str) -> str:
    return f"The parameter '{name}' contains a NUL character, which is not allowed."


@pytest.mark.parametrize("page", ["/people", "/groups", "/groups/{sales}"])
def test_nul_in_the_search_is_a_400_page(alice_client, sales, page):
    response = alice_client.get(page.format(sales=sales.pk), {"q": "a\x00"})
    assert response.status_code == 400
    assert refusal_text(response) == refused("q")
    assert response["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("page", ["/people", "/groups", "/groups/{sales}"])
def test_ordinary_searches_still_work(alice_client, sales, page):
    assert alice_client.get(page.format(sales=sales.pk), {"q": "Zoë"}).status_code == 200
    # Undecodable bytes (a UTF-8-encoded surrogate) arrive as U+FFFD, which is fine to store.
    assert alice_client.get(page.format(sales=sales.pk) + "?q=%ED%A0%80").status_code == 200


def test_nul_in_any_parameter_name_or_value(alice_client):
    assert refusal_text(alice_client.get("/people?page=%00")) == refused("page")
    assert refusal_text(alice_client.get("/account/provisioning?x%00=1")) == refused("x\\u0000")


def test_nul_in_a_form_is_refused_and_nothing_is_created(alice_client):
    response = alice_client.post("/people/new", {
        "email": "nul@acme.test", "name_given": "N\x00", "role": "member",
        "password": "a long enough passphrase",
    })  # fmt: skip
    assert response.status_code == 400
    assert refusal_text(response) == refused("name_given")
    with schema_context("acme"):
        assert not User.objects.filter(user_name="nul@acme.test").exists()


def test_a_forged_form_is_still_refused_by_csrf_first(acme, alice):
    client = Client(HTTP_HOST=organisation_host("acme"), enforce_csrf_checks=True)
    with schema_context("acme"):
        client.force_login(alice)
    assert client.post("/people/new", {"email": "a\x00"}).status_code == 403


def test_signed_out_requests_are_refused_the_same_way(acme_client):
    response = acme_client.get("/people", {"q": "\x00"})
    assert response.status_code == 400
    assert refusal_text(response) == refused("q")


def test_public_pages(public_client):
    assert refusal_text(public_client.get("/find", {"slug": "\x00"})) == refused("slug")
    assert refusal_text(public_client.post("/find", {"slug": "ac\x00me"})) == refused("slug")
    slug_check = public_client.get("/signup/slug-available", {"slug": "a\x00"})
    assert (slug_check.status_code, refusal_text(slug_check)) == (400, refused("slug"))
    assert public_client.get("/find", {"slug": "acme"}).status_code == 200


def test_a_form_body_over_the_upload_limit_is_413(alice_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = alice_client.post(
        "/people/new", {"email": "big@acme.test", "name_given": "x" * 2000}
    )
    assert response.status_code == 413
    assert refusal_text(response) == "The request is larger than 1000 bytes."
