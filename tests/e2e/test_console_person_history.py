"""A person's History in Chromium after Entra deactivates them through the live SCIM API."""

import pytest
from django_tenants.utils import schema_context

from scim.services import token_create
from tests.e2e.console_steps import admin_email, scim_request, sign_in

pytestmark = pytest.mark.e2e


def test_scim_deactivation_shows_in_history_naming_the_token(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        _, secret = token_create(name="Entra production")
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"pat@{slug}.test",
        "name": {"givenName": "Pat", "familyName": "Provisioned"},
        "active": True,
    }
    status, created = scim_request(live_app, slug, "POST", "/Users", secret, user)
    assert status == 201, created
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    status, body = scim_request(live_app, slug, "PATCH", f"/Users/{created['id']}", secret, patch)
    assert status == 200, body
    assert body["active"] is False
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, f"/people/{created['id']}"))
    entries = page.locator("[data-testid=audit] li").all_inner_texts()
    assert len(entries) == 1
    assert entries[0].endswith(f" UTC · SCIM token “Entra production” deactivated pat@{slug}.test")
    screenshot("person-history-scim")
