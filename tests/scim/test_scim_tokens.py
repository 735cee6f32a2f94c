"""Bearer tokens: only a usable token of this host's organisation opens /scim/v2."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from scim.models import ProvisioningEvent, RejectedRequestCount, ScimToken
from scim.services import token_create, token_hash, token_revoke
from tests.scim.conftest import ScimClient, error_body

pytestmark = pytest.mark.django_db


def assert_unauthorized(response, detail: str, *, invalid_token: bool) -> None:
    assert response.status_code == 401
    expected = 'Bearer realm="SCIM"' + (', error="invalid_token"' if invalid_token else "")
    assert response["WWW-Authenticate"] == expected
    assert response["Content-Type"] == "application/scim+json"
    assert response.json() == error_body(401, detail)


def test_missing_token(acme):
    response = ScimClient("acme", None).get("/Users")
    assert_unauthorized(
        response,
        "Authentication required: send 'Authorization: Bearer <token>'.",
        invalid_token=False,
    )


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "looop_scim_x"])
def test_malformed_authorization_header(acme, header):
    response = ScimClient("acme", None).get("/Users", HTTP_AUTHORIZATION=header)
    assert_unauthorized(
        response,
        "Malformed Authorization header: expected 'Bearer <token>'.",
        invalid_token=True,
    )


@pytest.mark.parametrize("secret", ["looop_scim_" + "x" * 43, "not-a-looop-token", "x" * 500])
def test_unknown_token(acme, secret):
    response = ScimClient("acme", secret).get("/Users")
    assert_unauthorized(response, "The token is invalid, revoked or expired.", invalid_token=True)


def test_revoked_token(acme, acme_token):
    with schema_context("acme"):
        token_revoke(token=ScimToken.objects.get(secret_sha256=token_hash(acme_token)))
    response = ScimClient("acme", acme_token).get("/Users")
    assert_unauthorized(response, "The token is invalid, revoked or expired.", invalid_token=True)


def test_expired_token(acme):
    with schema_context("acme"):
        token, secret = token_create(
            name="Short-lived", expires_at=timezone.now() + timedelta(minutes=5)
        )
        ScimToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    response = ScimClient("acme", secret).get("/Users")
    assert_unauthorized(response, "The token is invalid, revoked or expired.", invalid_token=True)


def test_scheme_is_case_insensitive_and_use_is_recorded(acme, acme_token):
    response = ScimClient("acme", None).get(
        "/ServiceProviderConfig", HTTP_AUTHORIZATION=f"bearer {acme_token}"
    )
    assert response.status_code == 200
    with schema_context("acme"):
        token = ScimToken.objects.get(secret_sha256=token_hash(acme_token))
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)


def test_token_of_another_organisation_is_refused(acme, globex_token):
    response = ScimClient("acme", globex_token).get("/Users")
    assert_unauthorized(response, "The token is invalid, revoked or expired.", invalid_token=True)


def test_refused_requests_are_counted_not_logged(acme):
    ScimClient("acme", "looop_scim_wrong").get("/Users?filter=x")
    with schema_context("acme"):
        assert ProvisioningEvent.objects.count() == 0
        counted = list(RejectedRequestCount.objects.values_list("reason", "count"))
    assert counted == [("invalid", 1)]  # more in tests/scim/test_scim_rejected_requests.py


# --- manage.py scim_token ------------------------------------------------------------------


def test_command_creates_a_token_and_prints_only_the_secret(acme):
    out = StringIO()
    call_command("scim_token", "create", "acme", "--name", "Entra", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("looop_scim_") and "\n" not in secret
    with schema_context("acme"):
        token = ScimToken.objects.get(name="Entra")
    assert token.secret_sha256 == token_hash(secret)
    assert token.expires_at is None
    assert ScimClient("acme", secret).get("/Users").status_code == 200


def test_command_create_with_expiry_and_refuses_duplicates(acme):
    call_command("scim_token", "create", "acme", "--name", "Okta", "--expires-days", "7",
                 stdout=StringIO())  # fmt: skip
    with schema_context("acme"):
        token = ScimToken.objects.get(name="Okta")
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)
    with pytest.raises(CommandError, match="already exists"):
        call_command("scim_token", "create", "acme", "--name", "Okta", stdout=StringIO())


def test_command_lists_tokens_without_secrets(acme, acme_token):
    out = StringIO()
    call_command("scim_token", "list", "acme", stdout=out)
    line = out.getvalue().strip()
    assert line.startswith("Microsoft Entra ID\tlooop_scim_")
    assert "\tactive\t" in line and "by system" in line
    assert acme_token not in out.getvalue()


def test_command_revokes_by_name(acme, acme_token):
    call_command("scim_token", "revoke", "acme", "Microsoft Entra ID", stderr=StringIO())
    assert ScimClient("acme", acme_token).get("/Users").status_code == 401
    with pytest.raises(CommandError, match="No active token called 'Microsoft Entra ID'"):
        call_command("scim_token", "revoke", "acme", "Microsoft Entra ID")


def test_command_refuses_unknown_organisation(db):
    with pytest.raises(CommandError, match="No organisation with the slug 'nosuch'"):
        call_command("scim_token", "list", "nosuch")


def test_command_token_only_works_for_its_organisation(acme, globex):
    out = StringIO()
    call_command("scim_token", "create", "globex", "--name", "Entra", stdout=out)
    secret = out.getvalue().strip()
    assert ScimClient("globex", secret).get("/Users").status_code == 200
    assert ScimClient("acme", secret).get("/Users").status_code == 401
