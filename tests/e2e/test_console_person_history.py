"""A person's History in Chromium after Entra provisions, edits, regroups and deactivates
them through the live SCIM API: each step by the token's name, newest first, paged; another
organisation's provisioning of a namesake never shows."""

import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.services import organisation_create
from scim.services import token_create
from tests.conftest import PASSWORD
from tests.e2e.console_steps import admin_email, scim_request, sign_in

pytestmark = pytest.mark.e2e

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTRA = "SCIM token “Entra production”"


def _token(django_db_blocker, slug: str, name: str) -> str:
    with django_db_blocker.unblock(), schema_context(slug):
        _, secret = token_create(name=name)
    return secret


def _provision(live_app, slug: str, secret: str, user_name: str) -> tuple[str, str]:
    """Entra's steps for one person: create, edit, group add and remove, deactivate.
    Returns (person id, group id)."""

    def call(method: str, path: str, body: dict, expected: int) -> dict:
        status, answer = scim_request(live_app, slug, method, path, secret, body)
        assert status == expected, answer
        return answer

    def patch(path: str, ops: list[dict]) -> None:
        call(
            "PATCH",
            path,
            {"schemas": [PATCH_OP], "Operations": ops},
            204 if "Groups" in path else 200,
        )

    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Pat", "familyName": "Provisioned"},
        "active": True,
    }
    pat = call("POST", "/Users", user, 201)["id"]
    patch(f"/Users/{pat}", [{"op": "Replace", "path": "title", "value": "Engineer"}])
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales"}
    sales = call("POST", "/Groups", group, 201)["id"]
    patch(f"/Groups/{sales}", [{"op": "Add", "path": "members", "value": [{"value": pat}]}])
    patch(f"/Groups/{sales}", [{"op": "Remove", "path": "members", "value": [{"value": pat}]}])
    patch(f"/Users/{pat}", [{"op": "Replace", "path": "active", "value": "False"}])
    return pat, sales


def _entries(page) -> list[str]:
    """History lines as shown, without their time."""
    lines = page.locator("[data-testid=audit] li").all_inner_texts()
    assert all(" UTC · " in line for line in lines), lines
    return [line.split(" UTC · ", 1)[1] for line in lines]


def test_entras_work_on_a_person_shows_in_history_naming_the_token(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    other = f"live{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        organisation_create(
            slug=other, name=other, admin_email=admin_email(other), admin_password=PASSWORD
        )
        connection.set_schema_to_public()
    # The other organisation provisions a namesake through its own token first.
    _provision(live_app, other, _token(django_db_blocker, other, "Other Entra"), "pat@shared.test")
    secret = _token(django_db_blocker, slug, "Entra production")
    pat, _ = _provision(live_app, slug, secret, "pat@shared.test")

    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, f"/people/{pat}"))
    assert _entries(page) == [
        f"{ENTRA} deactivated pat@shared.test",
        f"{ENTRA} removed pat@shared.test from the group Sales",
        f"{ENTRA} added pat@shared.test to the group Sales",
        f"{ENTRA} edited title of pat@shared.test",
        f"{ENTRA} created pat@shared.test as member",
    ]
    screenshot("person-history-scim")

    # 25 a page, newest first: 25 more title changes push the creation to page 2.
    for i in range(25):
        ops = [{"op": "Replace", "path": "title", "value": f"Engineer {i}"}]
        status, body = scim_request(
            live_app,
            slug,
            "PATCH",
            f"/Users/{pat}",
            secret,
            {"schemas": [PATCH_OP], "Operations": ops},
        )
        assert status == 200, body
    page.goto(live_app.url(slug, f"/people/{pat}"))
    first = _entries(page)
    assert first == [f"{ENTRA} edited title of pat@shared.test"] * 25
    page.get_by_test_id("history-pages").get_by_role("link", name="Older").click()
    page.wait_for_url("**history_page=2**")
    assert _entries(page) == [
        f"{ENTRA} deactivated pat@shared.test",
        f"{ENTRA} removed pat@shared.test from the group Sales",
        f"{ENTRA} added pat@shared.test to the group Sales",
        f"{ENTRA} edited title of pat@shared.test",
        f"{ENTRA} created pat@shared.test as member",
    ]
    assert "Other Entra" not in page.content()
