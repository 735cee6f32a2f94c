"""The whole Microsoft sign-in trip in-process: org host → public host → Microsoft → back."""

from urllib.parse import urlsplit

import pytest
from django_tenants.utils import schema_context

from sso.models import HandoffTicket
from tests.sso.conftest import new_oid, person, pkce_challenge, reload, session_user_id
from tests.sso.fake_entra import CLIENT_ID, CLIENT_SECRET, CONTOSO

pytestmark = pytest.mark.django_db


def test_provisioned_user_signs_in_and_lands_on_home(acme_microsoft, fake_entra, flow):
    scott = person("acme", "scott@acme.test")
    oid = new_oid()

    response = flow.sign_in(
        fake_entra, tid=CONTOSO, oid=oid, preferred_username="Scott@ACME.test", name="Scott"
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_user_id(flow.org, "acme") == str(scott.pk)
    home = flow.org.get("/")
    assert home.status_code == 200
    assert b'data-testid="user-name">scott@acme.test<' in home.content
    scott = reload("acme", scott)
    assert (scott.entra_tid, scott.entra_oid) == (CONTOSO, oid)
    with schema_context("acme"):
        ticket = HandoffTicket.objects.get()
    assert ticket.consumed_at is not None
    assert ticket.intent == "sign_in"
    assert ticket.claims["oid"] == oid


def test_authorization_request_uses_pkce_state_nonce_and_query_mode(
    acme_microsoft, fake_entra, flow
):
    flow.start()
    params = flow.authorize
    assert params is not None
    assert set(params) == {
        "client_id", "response_type", "response_mode", "redirect_uri", "scope", "state",
        "nonce", "code_challenge", "code_challenge_method",
    }  # fmt: skip
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["response_mode"] == "query"
    assert params["redirect_uri"] == "http://looop.localhost/sso/microsoft/callback"
    assert params["scope"] == "openid profile email"
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) == 32 and len(params["nonce"]) == 32
    assert "prompt" not in params


def test_token_request_sends_the_pkce_verifier_and_the_registered_redirect(
    acme_microsoft, fake_entra, flow
):
    person("acme", "scott@acme.test")
    flow.sign_in(fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="scott@acme.test")
    [request] = fake_entra.token_requests
    assert request == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "authorization_code",
        "code": "code-123",
        "redirect_uri": "http://looop.localhost/sso/microsoft/callback",
        "code_verifier": request["code_verifier"],
    }
    assert pkce_challenge(request["code_verifier"]) == flow.authorize["code_challenge"]


def test_the_org_host_starts_on_the_public_host_with_a_cookie_bound_request(
    acme_microsoft, fake_entra, flow
):
    response = flow.org.get("/sso/microsoft/start?next=/people")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "http",
        "looop.localhost",
        "/sso/microsoft/login",
    )
    cookie = response.cookies["looop_sso_binding"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/sso/microsoft/"
    assert len(cookie.value) >= 32
    assert cookie.value not in response["Location"]  # only its hash travels


def test_next_path_is_kept_but_never_another_host(acme_microsoft, fake_entra, flow):
    person("acme", "scott@acme.test")
    flow.start("/sso/microsoft/start?next=/profile")
    fake_entra.id_token = fake_entra.sign(
        fake_entra.claims(
            tid=CONTOSO,
            oid=new_oid(),
            nonce=flow.authorize["nonce"],
            preferred_username="scott@acme.test",
        )
    )
    assert flow.complete(flow.callback())["Location"] == "/profile"

    flow.start("/sso/microsoft/start?next=https://evil.example/")
    state = flow.authorize["state"]
    assert flow.public.session["oidc_states"][state]["flow"]["next_path"] == ""
