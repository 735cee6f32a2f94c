"""My profile ▸ API tokens: everyone manages their own tokens; the secret is shown once."""

import re

import pytest

from accounts.models import AuditEntry
from api.models import ApiToken
from api.services import api_token_create
from tests.api.conftest import ApiClient, session_client

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_token_and_sees_its_secret_once(bob):
    client = session_client(bob)
    response = client.post("/profile/api-tokens/new", {"name": "Phone", "expires_on": ""})
    assert (response.status_code, response["Location"]) == (303, "/profile/api-tokens")
    shown = client.get("/profile/api-tokens")
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    secret = re.search(r'data-testid="new-secret">(looop_api_[^<]+)<', shown.text).group(1)
    token = ApiToken.objects.get(user=bob)
    assert token.name == "Phone" and token.secret_sha256 != secret
    assert ApiClient("acme", secret).get("/me/learning").status_code == 200
    assert "Secret Token" not in shown.text  # Entra's field is for SCIM tokens only
    again = client.get("/profile/api-tokens")
    assert secret not in again.text and "secret-once" not in again.text
    assert token.prefix in again.text
    entry = AuditEntry.objects.get(action="api_token.create")
    assert (entry.actor, entry.target, entry.detail) == (
        bob,
        str(bob.pk),
        {"id": token.pk, "name": "Phone"},
    )


def test_bad_names_and_past_expiry_are_refused_on_the_page(bob):
    client = session_client(bob)
    api_token_create(user=bob, name="Phone")
    for data, message in [
        ({"name": "Phone"}, "You already have an active token called &#x27;Phone&#x27;."),
        ({"name": ""}, "This field is required."),
        ({"name": "Later", "expires_on": "2000-01-01"}, "Choose a day after today."),
    ]:
        response = client.post("/profile/api-tokens/new", data)
        assert response.status_code == 400
        assert message in response.text
    assert ApiToken.objects.filter(user=bob).count() == 1


def test_a_token_is_revoked_after_confirmation(bob):
    token, secret = api_token_create(user=bob, name="Phone")
    client = session_client(bob)
    confirm = client.get(f"/profile/api-tokens/{token.pk}/revoke")
    assert confirm.status_code == 200 and "Revoke “Phone”?" in confirm.text
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    response = client.post(f"/profile/api-tokens/{token.pk}/revoke")
    assert (response.status_code, response["Location"]) == (302, "/profile/api-tokens")
    assert ApiToken.objects.get(pk=token.pk).status == "revoked"
    assert ApiClient("acme", secret).get("/me/learning").status_code == 401


def test_nobody_reaches_someone_elses_tokens(bob, carol, alice):
    token, _ = api_token_create(user=carol, name="Carol's")
    for person in (bob, alice):  # an admin neither: tokens are personal
        client = session_client(person)
        assert client.get(f"/profile/api-tokens/{token.pk}/revoke").status_code == 404
        assert client.post(f"/profile/api-tokens/{token.pk}/revoke").status_code == 404
        assert "Carol&#x27;s" not in client.get("/profile/api-tokens").text
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_signed_out_visitors_go_to_sign_in(acme_client):
    response = acme_client.get("/profile/api-tokens")
    assert (response.status_code, response["Location"]) == (302, "/login?next=/profile/api-tokens")


def test_the_profile_links_to_api_tokens(bob, alice):
    page = session_client(bob).get(f"/people/{bob.pk}")
    assert 'href="/profile/api-tokens"' in page.text
    other = session_client(alice).get(f"/people/{bob.pk}")
    assert 'href="/profile/api-tokens"' not in other.text
