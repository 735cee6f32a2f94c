"""The sign-in form's button, switching Microsoft off mid-flight, and signing out."""

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from tests.conftest import PASSWORD, host_client
from tests.sso.conftest import new_flow, new_oid, organisation_update, person, session_user_id
from tests.sso.fake_entra import CONTOSO

pytestmark = pytest.mark.django_db

BUTTON = 'data-testid="microsoft-sign-in"'


def test_the_button_shows_when_microsoft_is_configured_and_on(acme_microsoft):
    page = host_client("acme").get("/login?next=/people")
    assert page.status_code == 200
    body = page.content.decode()
    assert BUTTON in body
    assert 'href="/sso/microsoft/start?next=/people"' in body
    assert "Sign in with Microsoft" in body


def test_the_button_is_hidden_when_the_organisation_switched_it_off(acme_microsoft):
    organisation_update(acme_microsoft, microsoft_enabled=False)
    page = host_client("acme").get("/login")
    assert page.status_code == 200
    assert BUTTON not in page.content.decode()


def test_the_button_is_hidden_when_microsoft_is_not_configured(acme_microsoft, settings):
    settings.MICROSOFT_CLIENT_SECRET = ""
    page = host_client("acme").get("/login")
    assert page.status_code == 200
    assert BUTTON not in page.content.decode()


def test_starting_while_switched_off_is_refused(acme_microsoft, caplog):
    organisation_update(acme_microsoft, microsoft_enabled=False)
    with caplog.at_level("WARNING", logger="looop.sso"):
        response = host_client("acme").get("/sso/microsoft/start")
    assert response.status_code == 403
    assert 'data-reason="microsoft_off"' in response.content.decode()
    assert "microsoft_off organisation=acme" in caplog.text


def test_starting_without_configuration_is_refused(acme_microsoft, settings):
    settings.MICROSOFT_CLIENT_ID = ""
    response = host_client("acme").get("/sso/microsoft/start")
    assert response.status_code == 503
    assert 'data-reason="not_configured"' in response.content.decode()


def test_switching_off_during_the_flow_refuses_at_the_callback(acme_microsoft, fake_entra, flow):
    person("acme", "scott@acme.test")
    flow.start()
    organisation_update(acme_microsoft, microsoft_enabled=False)
    fake_entra.id_token = fake_entra.sign(
        fake_entra.claims(
            tid=CONTOSO, oid=new_oid(), nonce=flow.authorize["nonce"], preferred_username="scott"
        )
    )
    response = flow.callback()
    assert response.status_code == 403
    assert 'data-reason="microsoft_off"' in response.content.decode()
    assert fake_entra.token_requests == []


def test_switching_off_after_the_callback_refuses_the_ticket(acme_microsoft, fake_entra, flow):
    scott = person("acme", "scott@acme.test")
    flow.start()
    fake_entra.id_token = fake_entra.sign(
        fake_entra.claims(
            tid=CONTOSO,
            oid=new_oid(),
            nonce=flow.authorize["nonce"],
            preferred_username="scott@acme.test",
        )
    )
    callback = flow.callback()
    organisation_update(acme_microsoft, microsoft_enabled=False)
    response = flow.complete(callback)
    assert response.status_code == 403
    assert 'data-reason="microsoft_off"' in response.content.decode()
    assert session_user_id(flow.org, "acme") is None
    with schema_context("acme"):
        assert User.objects.get(pk=scott.pk).entra_oid is None


# --- signing out ---


def test_a_microsoft_session_signs_out_with_an_offer_to_leave_microsoft_too(
    acme_microsoft, fake_entra
):
    person("acme", "scott@acme.test")
    flow = new_flow("acme")
    flow.sign_in(fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="scott@acme.test")
    home = flow.org.get("/").content.decode()
    assert 'action="/sso/microsoft/sign-out"' in home

    response = flow.org.post("/sso/microsoft/sign-out")

    assert response.status_code == 200
    body = response.content.decode()
    assert "You're signed out of Looop" in body
    assert f'href="{fake_entra.url}/organizations/oauth2/v2.0/logout"' in body
    assert session_user_id(flow.org, "acme") is None
    assert flow.org.get("/").status_code == 302


def test_a_password_session_signs_out_as_before(acme_microsoft, alice):
    client = host_client("acme")
    response = client.post("/login", {"username": "alice@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert 'action="/logout"' in client.get("/").content.decode()


def test_sign_out_needs_a_post(acme_microsoft):
    assert host_client("acme").get("/sso/microsoft/sign-out").status_code == 405
