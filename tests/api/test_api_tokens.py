"""Personal API tokens: made once, kept as a hash, expiring, revocable, and useless once
their owner is deactivated or deleted; failed attempts are rate-limited per address."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.services import user_deactivate, user_delete, user_reactivate
from api.models import ApiToken
from api.services import TokenRefused, api_token_authenticate, api_token_create
from tests.api.conftest import ApiClient
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

REFUSED = {
    "status": 401,
    "message": "The API token is invalid, expired or revoked, or its owner is deactivated.",
}


def test_a_token_is_stored_as_its_sha256_only(bob):
    token, secret = api_token_create(user=bob, name="Phone")
    assert secret.startswith("looop_api_") and len(secret) > 40
    row = ApiToken.objects.values().get(pk=token.pk)
    assert row["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["prefix"] == secret[:16]
    assert all(secret not in str(value) for value in row.values())
    assert api_token_authenticate(secret) == token


def test_a_token_calls_the_api_as_its_owner(bob_api, bob):
    response = bob_api.get("/me/learning")
    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert ApiToken.objects.get(user=bob).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer looop_api_wrong", "Bearer looop_scim_abc", "Bearer " + "x" * 300],
)
def test_unknown_tokens_get_401_with_a_json_message(acme, header):
    response = host_client("acme").get("/api/v1/me/learning", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json() == REFUSED
    assert response["WWW-Authenticate"] == 'Bearer realm="Looop API", error="invalid_token"'


def test_a_malformed_header_and_no_credentials_get_401(anonymous_api):
    response = anonymous_api.get("/me/learning", headers={"Authorization": "Basic YWxpY2U6eA=="})
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "message": "Malformed Authorization header: expected 'Bearer looop_api_…'.",
    }
    response = anonymous_api.get("/me/learning")
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "message": "Authentication required: sign in, or send 'Authorization: Bearer looop_api_…'.",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="Looop API"'


def test_an_expired_token_stops_working(bob):
    token, secret = api_token_create(
        user=bob, name="Short", expires_at=timezone.now() + timedelta(hours=1)
    )
    api = ApiClient("acme", secret)
    assert api.get("/me/learning").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/me/learning")
    assert (response.status_code, response.json()) == (401, REFUSED)
    with pytest.raises(TokenRefused, match="The expiry must be in the future"):
        api_token_create(user=bob, name="Past", expires_at=timezone.now())


def test_a_revoked_token_stops_working(bob):
    from api.services import api_token_revoke

    token, secret = api_token_create(user=bob, name="Phone")
    api_token_revoke(token=token, actor=bob)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    response = ApiClient("acme", secret).get("/me/learning")
    assert (response.status_code, response.json()) == (401, REFUSED)


def test_a_deactivated_owners_token_stops_and_works_again_on_reactivation(bob, bob_api):
    user_deactivate(user=bob, actor=SYSTEM)
    response = bob_api.get("/me/learning")
    assert (response.status_code, response.json()) == (401, REFUSED)
    user_reactivate(user=bob, actor=SYSTEM)
    assert bob_api.get("/me/learning").status_code == 200


def test_a_deleted_owners_token_stops_working(bob, bob_api):
    user_delete(user=bob, actor=SYSTEM)
    response = bob_api.get("/me/learning")
    assert (response.status_code, response.json()) == (401, REFUSED)


def test_a_token_works_on_its_own_organisation_only(bob_api, globex):
    api = ApiClient("globex", bob_api.headers["Authorization"].split()[1])
    response = api.get("/me/learning")
    assert (response.status_code, response.json()) == (401, REFUSED)


def test_the_api_is_not_on_the_public_host(bob_api, public_client):
    response = public_client.get("/api/v1/me/learning", headers=bob_api.headers)
    assert response.status_code == 404


def test_token_names_are_checked(bob):
    api_token_create(user=bob, name="Phone")
    for name, message in [
        ("", "A token needs a name."),
        ("x" * 101, "A token name is at most 100 characters."),
        ("Phone", "You already have an active token called 'Phone'."),
        ("a\x00b", "A token name may not contain a NUL character."),
    ]:
        with pytest.raises(TokenRefused) as refused:
            api_token_create(user=bob, name=name)
        assert str(refused.value) == message
    assert ApiToken.objects.filter(user=bob).count() == 1


def test_failed_token_attempts_are_rate_limited_per_address(bob, bob_api, settings):
    settings.API_TOKEN_FAILURES_PER_WINDOW = 3
    wrong = ApiClient("acme", "looop_api_guess")
    for _ in range(3):
        assert wrong.get("/me/learning").status_code == 401
    response = wrong.get("/me/learning")
    assert response.status_code == 429
    assert response.json() == {
        "status": 429,
        "message": "Too many failed token attempts from your address; try again later.",
    }
    assert response["Retry-After"] == "300"
    # Past the allowance even the right secret is refused from this address.
    assert bob_api.get("/me/learning").status_code == 429
    other_address = bob_api.get("/me/learning", REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 200


def test_valid_tokens_do_not_use_up_the_allowance(bob_api, settings):
    settings.API_TOKEN_FAILURES_PER_WINDOW = 2
    for _ in range(5):
        assert bob_api.get("/me/learning").status_code == 200


# --- manage.py api_token ---


def test_the_command_prints_the_secret_alone(bob):
    out = StringIO()
    call_command(
        "api_token", "create", "acme", "--user", "BOB@acme.test", "--name", "CI", stdout=out
    )
    secret = out.getvalue().strip()
    assert secret.startswith("looop_api_") and "\n" not in secret
    connection.set_schema("acme")
    token = api_token_authenticate(secret)
    assert (token.user, token.name) == (bob, "CI")


def test_the_command_lists_and_revokes(bob):
    call_command(
        "api_token",
        "create",
        "acme",
        "--user",
        "bob@acme.test",
        "--name",
        "CI",
        "--expires-days",
        "30",
        stdout=StringIO(),
    )
    out = StringIO()
    call_command("api_token", "list", "acme", stdout=out)
    assert out.getvalue().startswith("bob@acme.test\tCI\tlooop_api_")
    assert "\tactive\t" in out.getvalue()
    call_command("api_token", "revoke", "acme", "--user", "bob@acme.test", "CI", stderr=StringIO())
    with schema_context("acme"):
        assert ApiToken.objects.get(name="CI").status == "revoked"


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["create", "nowhere", "--user", "bob@acme.test", "--name", "CI"],
            "No organisation with the slug 'nowhere'.",
        ),
        (
            ["create", "acme", "--user", "nobody@acme.test", "--name", "CI"],
            "No person 'nobody@acme.test' in this organisation.",
        ),
        (
            ["create", "globex", "--user", "bob@acme.test", "--name", "CI"],
            "No person 'bob@acme.test' in this organisation.",
        ),
        (
            ["create", "acme", "--user", "bob@acme.test", "--name", "CI", "--expires-days", "0"],
            "--expires-days must be a positive number of days.",
        ),
        (
            ["revoke", "acme", "--user", "bob@acme.test", "CI"],
            "bob@acme.test has no active token called 'CI'.",
        ),
    ],
)
def test_the_command_refuses_clearly(bob, globex, args, message):
    with pytest.raises(CommandError) as refused:
        call_command("api_token", *args, stdout=StringIO())
    assert str(refused.value) == message


def test_a_person_holds_a_bounded_number_of_active_tokens(bob, monkeypatch):
    monkeypatch.setattr("api.services.TOKENS_PER_PERSON_MAX", 2)
    first, _ = api_token_create(user=bob, name="One")
    api_token_create(user=bob, name="Two")
    with pytest.raises(TokenRefused, match="A person can have at most 2 active tokens."):
        api_token_create(user=bob, name="Three")
    from api.services import api_token_revoke

    api_token_revoke(token=first)
    api_token_create(user=bob, name="Three")
    assert ApiToken.objects.filter(user=bob, revoked_at__isnull=True).count() == 2
