"""Smaller console gaps: Deactivate asks first, signing out says so, a favicon."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders

from tests.accounts.console_support import bob  # noqa: F401

pytestmark = pytest.mark.django_db


def test_deactivate_is_behind_a_confirmation(alice_client, bob):
    body = alice_client.get(f"/people/{bob.pk}").content.decode()
    confirm = body.split('<details class="confirm" data-testid="deactivate-confirm">')[1]
    confirm = confirm.split("</details>")[0]
    assert '<summary class="btn btn-danger">Deactivate…</summary>' in confirm
    assert f'action="/people/{bob.pk}/activation"' in confirm
    assert "Yes, deactivate Bob Builder" in confirm
    # the only form that deactivates is the one inside the confirmation
    assert body.count(f'action="/people/{bob.pk}/activation"') == 1


def test_signing_out_says_so(alice_client):
    response = alice_client.post("/logout")
    assert (response.status_code, response["Location"]) == (302, "/login")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["You are signed out."]
    page = alice_client.get("/login")
    assert '<li class="message message-info">You are signed out.</li>' in page.content.decode()
    assert alice_client.get("/")["Location"].startswith("/login")


def test_signing_out_when_not_signed_in_says_nothing(acme_client):
    response = acme_client.post("/logout")
    assert response.status_code == 302
    assert list(get_messages(response.wsgi_request)) == []


def test_every_page_names_a_favicon(acme_client, public_client):
    for client, path in [(acme_client, "/login"), (public_client, "/"), (public_client, "/find")]:
        body = client.get(path).content.decode()
        assert '<link rel="icon" href="/static/looop/favicon.' in body, path
    assert finders.find("looop/favicon.svg") is not None
