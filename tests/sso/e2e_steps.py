"""Steps for the Sign in with Microsoft browser tests (tests/e2e/test_sso_*.py)."""

import re
import uuid
from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.models import Organisation, User
from scim.services import token_create
from tests.e2e.console_steps import scim_request
from tests.sso.entra_provider import EntraProvider

CONTOSO = "0c6a1f5e-7d52-4b8e-9a55-3f7a2b1c4d01"
FABRIKAM = "a3d9e2b4-51c7-4f0e-8b6d-9e4f2c7a1b02"
LOOOP_PAGE = re.compile(r"^http://([a-z0-9-]+\.)?looop\.localhost:\d+/")


@pytest.fixture(name="microsoft")
def microsoft_fixture(live_app: Any, entra_provider: EntraProvider | None) -> EntraProvider:
    """The provider, with the live server's callback registered as the app's redirect URI."""
    if entra_provider is None:
        pytest.fail(
            "The Entra test provider is not installed: run `make e2e-deps` "
            "(npm ci in tests/sso/oidc_provider)."
        )
    entra_provider.redirect_uri_register(live_app.url(None, "/sso/microsoft/callback"))
    return entra_provider


def directory_user(
    provider: EntraProvider, *, tid: str, preferred_username: str, **claims: Any
) -> str:
    """Add someone to the provider's directory; returns their object id (oid)."""
    oid = str(uuid.uuid4())
    provider.user_add(tid=tid, oid=oid, preferred_username=preferred_username, **claims)
    return oid


def organisation_set(django_db_blocker: Any, slug: str, **fields: Any) -> None:
    with django_db_blocker.unblock():
        Organisation.objects.filter(schema_name=slug).update(**fields)


def organisation_read(django_db_blocker: Any, slug: str) -> Organisation:
    with django_db_blocker.unblock():
        return Organisation.objects.get(schema_name=slug)


def user_read(django_db_blocker: Any, slug: str, user_name: str) -> User:
    with django_db_blocker.unblock(), schema_context(slug):
        return User.objects.get(user_name__iexact=user_name, deleted_at__isnull=True)


def users_count(django_db_blocker: Any, slug: str) -> int:
    with django_db_blocker.unblock(), schema_context(slug):
        return User.objects.count()


def scim_secret(django_db_blocker: Any, slug: str) -> str:
    """A SCIM token for the organisation, as an admin creates on Account > Provisioning."""
    with django_db_blocker.unblock(), schema_context(slug):
        _, secret = token_create(name=f"Entra {uuid.uuid4().hex[:6]}")
    return secret


def scim_provision(
    live_app: Any, slug: str, secret: str, *, user_name: str, external_id: str
) -> dict[str, Any]:
    """What Entra's provisioning service POSTs for a newly assigned user."""
    status, body = scim_request(
        live_app,
        slug,
        "POST",
        "/Users",
        secret,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": external_id,
            "userName": user_name,
            "active": True,
            "displayName": user_name.split("@")[0].title(),
            "emails": [{"primary": True, "type": "work", "value": user_name}],
            "name": {"givenName": user_name.split("@")[0].title(), "familyName": "Test"},
        },
    )
    assert status == 201, body
    return body


def scim_deactivate(live_app: Any, slug: str, secret: str, user_id: str) -> None:
    """Entra's default PATCH when a user is unassigned or disabled."""
    status, body = scim_request(
        live_app,
        slug,
        "PATCH",
        f"/Users/{user_id}",
        secret,
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        },
    )
    assert status == 200, body
    assert body["active"] is False


def microsoft_account_pick(page: Any, provider: EntraProvider, username: str) -> None:
    """On the provider's account picker, type the work account and continue."""
    page.wait_for_url(f"{provider.authority}/organizations/oauth2/v2.0/authorize?*")
    page.get_by_label("Email, phone, or Skype").fill(username)
    page.get_by_role("button", name="Next").click()


def sign_in_with_microsoft(
    page: Any, live_app: Any, provider: EntraProvider, slug: str, username: str
) -> None:
    """From the organisation's sign-in page to wherever Looop sends the browser back."""
    page.goto(live_app.url(slug, "/login"))
    page.get_by_role("link", name="Sign in with Microsoft").click()
    microsoft_account_pick(page, provider, username)
    page.wait_for_url(LOOOP_PAGE)
    page.wait_for_load_state()


def refusal_reason(page: Any) -> str:
    return page.get_by_test_id("sso-refused").get_attribute("data-reason")
