"""Every ID token check, through the public host's callback, with real RSA signatures.

A refused token never produces a hand-off ticket, never links or creates anyone, and is
logged with its reason.
"""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django_tenants.utils import schema_context

from accounts.models import User
from sso.models import HandoffTicket
from tests.sso.conftest import new_flow, person, reload
from tests.sso.fake_entra import CLIENT_ID, CONTOSO, FABRIKAM, FakeEntra, SigningKey

pytestmark = pytest.mark.django_db

OID = "5b0f3c2a-8e1d-4f6a-9c7b-2d4e6f8a0b1c"
NOW = int(time.time())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _hs256_with_public_key(fake: FakeEntra, claims: dict) -> str:
    """The classic algorithm-confusion forgery: HMAC keyed with the published RSA key."""
    public_pem = (
        fake.keys[0]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = _b64(json.dumps({"alg": "HS256", "kid": fake.keys[0].kid}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _without(claims: dict, name: str) -> dict:
    return {key: value for key, value in claims.items() if key != name}


def _unsigned(fake: FakeEntra, claims: dict) -> str:
    return jwt.encode(claims, None, algorithm="none", headers={"kid": fake.keys[0].kid})


# name -> (how to build the token from (fake, valid claims), expected reason)
CASES = {
    "iss of another tenant": (
        lambda f, c: f.sign({**c, "iss": f"{f.url}/{FABRIKAM}/v2.0"}),
        "bad_issuer",
    ),
    "iss is the discovery template": (
        lambda f, c: f.sign({**c, "iss": f"{f.url}/{{tenantid}}/v2.0"}),
        "bad_issuer",
    ),
    "iss of another authority": (
        lambda f, c: f.sign({**c, "iss": f"https://login.microsoftonline.com/{CONTOSO}/v2.0"}),
        "bad_issuer",
    ),
    "iss without /v2.0": (
        lambda f, c: f.sign({**c, "iss": f"{f.url}/{CONTOSO}"}),
        "bad_issuer",
    ),
    "aud of another application": (
        lambda f, c: f.sign({**c, "aud": "00000000-0000-0000-0000-00000000beef"}),
        "bad_audience",
    ),
    "aud lists us among others": (
        lambda f, c: f.sign({**c, "aud": [CLIENT_ID, "00000000-0000-0000-0000-00000000beef"]}),
        "bad_audience",
    ),
    "tid is a name, not a GUID": (
        lambda f, c: f.sign({**c, "tid": "contoso", "iss": f"{f.url}/contoso/v2.0"}),
        "bad_tenant_id",
    ),
    "tid is 'organizations'": (
        lambda f, c: f.sign({**c, "tid": "organizations", "iss": f"{f.url}/organizations/v2.0"}),
        "bad_tenant_id",
    ),
    "expired": (
        lambda f, c: f.sign({**c, "iat": NOW - 7200, "nbf": NOW - 7200, "exp": NOW - 3600}),
        "expired_token",
    ),
    "not valid yet": (
        lambda f, c: f.sign({**c, "nbf": NOW + 3600}),
        "expired_token",
    ),
    "signed by another key under a published kid": (
        lambda f, c: f.sign(c, key=SigningKey.generate("attacker"), kid=f.keys[0].kid),
        "bad_signature",
    ),
    "signed by a key that is not published": (
        lambda f, c: f.sign(c, key=SigningKey.generate("unknown-kid")),
        "bad_signature",
    ),
    "alg none": (_unsigned, "bad_signature"),
    "HS256 keyed with the public key": (_hs256_with_public_key, "bad_signature"),
    "nonce of another attempt": (lambda f, c: f.sign({**c, "nonce": "x" * 32}), "nonce_mismatch"),
    "no nonce": (lambda f, c: f.sign(_without(c, "nonce")), "nonce_mismatch"),
    "no oid": (lambda f, c: f.sign(_without(c, "oid")), "malformed_token"),
    "oid not a GUID": (lambda f, c: f.sign({**c, "oid": "scott"}), "malformed_token"),
    "no exp": (lambda f, c: f.sign(_without(c, "exp")), "malformed_token"),
    "not a JWT": (lambda f, c: "not-a-jwt", "malformed_token"),
    "no id_token at all": (lambda f, c: "", "malformed_token"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_id_token_is_refused_and_changes_nothing(
    case, acme_microsoft, fake_entra, flow, caplog
):
    scott = person("acme", "scott@acme.test")
    build, reason = CASES[case]
    flow.start()
    valid = fake_entra.claims(
        tid=CONTOSO, oid=OID, nonce=flow.authorize["nonce"], preferred_username="scott@acme.test"
    )
    fake_entra.id_token = build(fake_entra, valid)

    with caplog.at_level("WARNING", logger="looop.sso"):
        response = flow.callback()

    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-reason="{reason}"' in body
    assert "could not be verified" in body or "has expired" in body
    assert "Back" in body and 'href="http://acme.looop.localhost/login"' in body
    with schema_context("acme"):
        assert not HandoffTicket.objects.exists()
        assert not User.objects.filter(entra_oid__isnull=False).exists()
    assert reload("acme", scott).entra_oid is None
    assert f"Microsoft sign-in refused: {reason} organisation=acme" in caplog.text
    assert "_auth_user_id" not in flow.public.session


def test_a_valid_token_passes_every_check(acme_microsoft, fake_entra, flow):
    """The control for the cases above: the same claims, unmodified, are accepted."""
    person("acme", "scott@acme.test")
    flow.start()
    fake_entra.id_token = fake_entra.sign(
        fake_entra.claims(
            tid=CONTOSO,
            oid=OID,
            nonce=flow.authorize["nonce"],
            preferred_username="scott@acme.test",
        )
    )
    response = flow.callback()
    assert response.status_code == 302
    assert response["Location"].startswith("http://acme.looop.localhost/sso/microsoft/complete?")


def test_a_forged_state_is_refused(acme_microsoft, fake_entra, flow, caplog):
    flow.start()
    with caplog.at_level("WARNING", logger="looop.sso"):
        response = flow.callback(state="forged-state")
    assert response.status_code == 400
    assert 'data-reason="state_mismatch"' in response.content.decode()
    assert fake_entra.token_requests == []  # the code was never redeemed
    assert "Microsoft sign-in refused: state_mismatch" in caplog.text


def test_a_state_is_answered_once(acme_microsoft, fake_entra, flow):
    person("acme", "scott@acme.test")
    flow.start()
    nonce = flow.authorize["nonce"]
    fake_entra.id_token = fake_entra.sign(
        fake_entra.claims(tid=CONTOSO, oid=OID, nonce=nonce, preferred_username="scott@acme.test")
    )
    assert flow.callback().status_code == 302
    again = flow.callback()
    assert again.status_code == 400
    assert 'data-reason="state_mismatch"' in again.content.decode()
    assert len(fake_entra.token_requests) == 1


def test_an_answer_in_another_browser_is_refused(acme_microsoft, fake_entra, flow):
    """The state lives in the public host's session of the browser that started."""
    flow.start()
    other = new_flow("acme")
    other.authorize = flow.authorize
    response = other.callback()
    assert response.status_code == 400
    assert 'data-reason="state_mismatch"' in response.content.decode()


def test_microsoft_error_is_shown_and_nothing_happens(acme_microsoft, fake_entra, flow, caplog):
    flow.start()
    with caplog.at_level("WARNING", logger="looop.sso"):
        response = flow.callback(
            code="", error="access_denied", error_description="AADSTS65004: User declined."
        )
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-reason="provider_error"' in body
    assert (
        '<p class="muted" data-testid="provider-error">What Microsoft reported: The request was '
        "declined or cancelled at Microsoft.</p>" in body
    )
    assert "AADSTS65004" not in body  # the query string's text is never shown ...
    assert fake_entra.token_requests == []
    # ... only logged, on one line, for support.
    assert (
        "provider_error organisation=acme error=access_denied"
        " description=AADSTS65004: User declined." in caplog.text
    )


def test_an_unknown_error_gets_the_general_words(acme_microsoft, fake_entra, flow, caplog):
    flow.start()
    with caplog.at_level("WARNING", logger="looop.sso"):
        response = flow.callback(
            code="", error="evil", error_description="Call us on 555\nfake log line"
        )
    assert response.status_code == 403
    body = response.content.decode()
    assert "What Microsoft reported: Microsoft reported a problem it didn&#x27;t name." in body
    assert "Call us" not in body and "fake log line" not in body
    assert "description=Call us on 555 fake log line" in caplog.text


def test_a_refused_code_at_the_token_endpoint_is_refused(acme_microsoft, fake_entra, flow):
    flow.start()
    fake_entra.token_status = 400
    response = flow.callback()
    assert response.status_code == 403
    assert 'data-reason="provider_error"' in response.content.decode()
    with schema_context("acme"):
        assert not HandoffTicket.objects.exists()


def test_microsoft_unreachable_is_explained(acme_microsoft, fake_entra, flow, settings):
    settings.MICROSOFT_AUTHORITY = "http://127.0.0.1:9"  # discard port: nothing listens
    response = flow.start()
    assert response.status_code == 502
    assert 'data-reason="provider_unavailable"' in response.content.decode()
    assert "Microsoft can&#x27;t be reached" in response.content.decode()
