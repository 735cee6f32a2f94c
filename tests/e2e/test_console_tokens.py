"""Account > Provisioning and Reset Token in real Chromium, against the real SCIM API.

Flows 1, 2, 3, 4 and 6 of the console issue.
"""

import re

import pytest
from django_tenants.utils import schema_context

from scim.models import ScimToken
from tests.e2e.console_steps import active_token_names, admin_email, scim_request, sign_in

pytestmark = pytest.mark.e2e

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def open_provisioning_by_menu(page, live_app, slug):
    """Use the Account menu from the keyboard, as someone without a mouse would."""
    page.get_by_text("Account", exact=True).focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Provisioning", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_app.url(slug, "/account/provisioning"))


def test_create_use_and_revoke_a_token(live_app, live_org, page, screenshot, django_db_blocker):
    slug = live_org.schema_name
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_app, slug, admin_email(slug))
    open_provisioning_by_menu(page, live_app, slug)
    assert page.get_by_test_id("scim-endpoint").inner_text() == live_app.url(slug, "/scim/v2")
    assert page.get_by_test_id("tokens-empty").is_visible()
    screenshot("provisioning-empty")

    # Flow 1: create a token and see it exactly once.
    page.get_by_label("Token name").fill("Microsoft Entra ID")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_url(live_app.url(slug, "/account/provisioning"))  # POST -> redirect -> GET
    secret = page.get_by_test_id("new-secret").inner_text()
    assert re.fullmatch(r"looop_scim_[A-Za-z0-9_-]{43}", secret)
    assert page.content().count(secret) == 1
    page.get_by_role("button", name="Copy token").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert page.get_by_role("status").filter(has_text="Copied").count() == 1
    screenshot("provisioning-token-created")
    page.reload()  # repeats the GET: no secret, and no second token
    assert secret not in page.content()
    assert page.get_by_test_id("new-secret").count() == 0
    page.goto(live_app.url(slug, "/account/provisioning"))
    assert secret not in page.content()
    row = page.locator("[data-testid=tokens] tbody tr")
    assert row.count() == 1
    assert "Microsoft Entra ID" in row.inner_text() and "Active" in row.inner_text()
    assert secret[:17] + "…" in row.inner_text()  # the prefix tells tokens apart

    # Flow 2: the token works against /scim/v2/Users.
    status, body = scim_request(live_app, slug, "GET", "/Users", secret)
    assert status == 200
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert [u["userName"] for u in body["Resources"]] == [admin_email(slug)]

    # Flow 3: revoke after a confirmation; the token gets 401 afterwards.
    page.get_by_role("link", name="Revoke Microsoft Entra ID").click()
    page.wait_for_url(re.compile(r".*/revoke$"))
    assert page.get_by_role("heading", name="Revoke “Microsoft Entra ID”?").is_visible()
    screenshot("token-revoke-confirm")
    page.get_by_role("button", name="Revoke token").click()
    page.wait_for_url(live_app.url(slug, "/account/provisioning"))
    assert "is revoked; it no longer works" in page.get_by_role("status").first.inner_text()
    assert "Revoked" in page.locator("[data-testid=tokens] tbody tr").inner_text()
    assert "revoked the token “Microsoft Entra ID”" in page.get_by_test_id("audit").inner_text()
    status, body = scim_request(live_app, slug, "GET", "/Users", secret)
    assert status == 401
    assert active_token_names(django_db_blocker, slug) == []


def test_reset_token_leaves_exactly_one_active_token(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        from scim.services import token_create

        _, old_one = token_create(name="Old one")
        _, old_two = token_create(name="Old two")
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/account/authentication"))
    assert page.get_by_role("heading", name="SCIM Integration").is_visible()
    screenshot("authentication")
    page.get_by_role("link", name="Reset Token").click()
    assert "revokes the 2 active tokens" in page.locator("main").inner_text()
    screenshot("token-reset-confirm")
    page.get_by_role("button", name="Reset Token").click()
    page.wait_for_url(live_app.url(slug, "/account/authentication"))  # POST -> redirect -> GET
    secret = page.get_by_test_id("new-secret").inner_text()
    assert page.content().count(secret) == 1
    screenshot("authentication-token-reset")

    active = active_token_names(django_db_blocker, slug)
    assert len(active) == 1 and active[0].startswith("Reset token ")
    # A reload shows no secret and resets nothing: Entra keeps working with the new token.
    page.reload()
    assert page.get_by_test_id("new-secret").count() == 0
    assert secret not in page.content()
    assert active_token_names(django_db_blocker, slug) == active
    assert scim_request(live_app, slug, "GET", "/Users", secret)[0] == 200
    assert scim_request(live_app, slug, "GET", "/Users", old_one)[0] == 401
    assert scim_request(live_app, slug, "GET", "/Users", old_two)[0] == 401

    page.get_by_role("link", name="Provisioning").last.click()
    statuses = page.locator("[data-testid=tokens] tbody tr td:nth-child(7)").all_inner_texts()
    assert sorted(statuses) == ["Active", "Revoked", "Revoked"]
    assert secret not in page.content()


def test_scim_requests_show_in_the_activity_with_an_error_filter(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        from scim.services import token_create

        _, secret = token_create(name="Entra")
    probe = 'userName eq "probe@example.com"'
    assert (
        scim_request(live_app, slug, "GET", f"/Users?filter={probe.replace(' ', '%20')}", secret)[0]
        == 200
    )
    created, user = scim_request(
        live_app,
        slug,
        "POST",
        "/Users",
        secret,
        {
            "schemas": [USER_SCHEMA],
            "userName": "nora@example.com",
            "name": {"givenName": "Nora", "familyName": "Provisioned"},
            "emails": [{"value": "nora@example.com", "type": "work", "primary": True}],
            "active": True,
        },
    )
    assert created == 201
    duplicate = scim_request(
        live_app,
        slug,
        "POST",
        "/Users",
        secret,
        {"schemas": [USER_SCHEMA], "userName": "nora@example.com"},
    )
    assert duplicate[0] == 409
    assert scim_request(live_app, slug, "GET", "/Users/not-a-real-id", secret)[0] == 404
    assert scim_request(live_app, slug, "GET", "/Users", "looop_scim_wrong")[0] == 401

    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/account/provisioning"))
    rows = page.locator("[data-testid=activity] tbody.event tr:first-child")
    assert rows.count() == 4  # the wrong token's request is counted, not listed
    statuses = rows.locator("td:nth-child(4)").all_inner_texts()
    assert statuses == ["404", "409", "201", "200"]  # newest first
    rejected = page.locator("[data-testid=rejected] tbody tr td").all_inner_texts()
    assert rejected[1:] == ["0", "0", "1", "1"]
    conflict = rows.nth(1).inner_text()
    assert "POST" in conflict and "/scim/v2/Users" in conflict and "uniqueness" in conflict
    assert re.search(r"\d+\.\d ms", conflict)
    summary = page.get_by_test_id("summary").inner_text()
    assert "Users provisioned\n1" in summary and "Errors in the last 24 hours\n2" in summary
    screenshot("provisioning-activity")

    page.get_by_label("Status").select_option("errors")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(live_app.url(slug, "/account/provisioning?status=errors"))
    statuses = rows.locator("td:nth-child(4)").all_inner_texts()
    assert statuses == ["404", "409"]
    screenshot("provisioning-errors-only")
    page.get_by_role("link", name="Clear").click()
    assert rows.count() == 4

    # The provisioned person is read-only in the console, and the page says why.
    page.goto(live_app.url(slug, f"/people/{user['id']}"))
    assert "attributes are read-only here" in page.get_by_test_id("scim-managed").inner_text()
    assert page.get_by_role("link", name="Edit").count() == 0
    screenshot("person-scim")
    with django_db_blocker.unblock(), schema_context(slug):
        assert ScimToken.objects.get(name="Entra").last_used_at is not None
