"""Connecting an organisation to its Entra tenant, in real Chromium, against a real provider.

Flow 1 (an admin connects on Account > Authentication) and flow 6 (the seed flow binds only
for an admin) of the Sign in with Microsoft issue.
"""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create
from tests.e2e.console_steps import admin_email, sign_in
from tests.sso.e2e_steps import (
    CONTOSO,
    directory_user,
    microsoft_account_pick,
    microsoft_fixture,  # noqa: F401 (the `microsoft` fixture)
    organisation_read,
    refusal_reason,
    sign_in_with_microsoft,
    user_read,
)

pytestmark = pytest.mark.e2e


def test_admin_connects_the_entra_tenant(
    live_app, live_org, microsoft, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    it_admin = f"it-admin@contoso-{slug}.test"
    oid = directory_user(microsoft, tid=CONTOSO, preferred_username=it_admin, name="IT Admin")
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/account/authentication"))
    panel = page.get_by_test_id("microsoft-connect-panel")
    assert "Turn on Microsoft Azure above" in panel.inner_text()

    with page.expect_navigation():
        page.get_by_role("switch", name="Microsoft Azure").click()
    panel = page.get_by_test_id("microsoft-connect-panel")
    assert (
        panel.get_by_test_id("microsoft-admin-consent")
        .get_attribute("href")
        .startswith(f"{microsoft.authority}/organizations/v2.0/adminconsent?client_id=")
    )
    screenshot("sso-connect-panel")
    page.get_by_role("button", name="Connect Microsoft Entra ID").click()

    microsoft_account_pick(page, microsoft, it_admin)
    page.get_by_role("heading", name="Permissions requested").wait_for()
    screenshot("sso-connect-consent")
    page.get_by_label("Consent on behalf of your organization").check()
    page.get_by_role("button", name="Accept").click()

    page.wait_for_url(live_app.url(slug, "/account/authentication"))
    assert page.get_by_role("status").first.inner_text() == f"Connected to tenant {CONTOSO}."
    connected = page.get_by_test_id("microsoft-connected").inner_text()
    assert connected == f"Connected to tenant {CONTOSO} by {admin_email(slug)}."
    screenshot("sso-connected")
    organisation = organisation_read(django_db_blocker, slug)
    assert (organisation.entra_tenant_id, organisation.entra_connected_by) == (
        CONTOSO,
        admin_email(slug),
    )
    admin = user_read(django_db_blocker, slug, admin_email(slug))
    assert (admin.entra_tid, admin.entra_oid) == (CONTOSO, oid)

    # Disconnect, after a confirmation.
    page.get_by_role("link", name="Disconnect").click()
    page.get_by_role("heading", name="Disconnect Microsoft Entra ID?").wait_for()
    screenshot("sso-disconnect-confirm")
    page.get_by_role("button", name="Disconnect").click()
    page.wait_for_url(live_app.url(slug, "/account/authentication"))
    assert page.get_by_test_id("microsoft-connect").is_visible()
    assert organisation_read(django_db_blocker, slug).entra_tenant_id == ""
    assert user_read(django_db_blocker, slug, admin_email(slug)).entra_oid is None


def test_seed_flow_binds_only_for_an_admin(
    live_app, live_org, microsoft, page, screenshot, django_db_blocker
):
    """The help page's steps: enable Microsoft Azure, sign out, Sign in with Microsoft."""
    slug = live_org.schema_name
    member = f"member@{slug}.test"
    with django_db_blocker.unblock(), schema_context(slug):
        user_create(actor=SYSTEM, user_name=member, email=member, source=User.Source.SCIM)
    directory_user(microsoft, tid=CONTOSO, preferred_username=member)
    admin_oid = directory_user(microsoft, tid=CONTOSO, preferred_username=admin_email(slug))

    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/account/authentication"))
    with page.expect_navigation():
        page.get_by_role("switch", name="Microsoft Azure").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_app.url(slug, "/login"))

    # A member's Microsoft sign-in comes first: refused, and nothing is bound.
    sign_in_with_microsoft(page, live_app, microsoft, slug, member)
    assert refusal_reason(page) == "not_connected"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "This organisation isn't connected to Microsoft yet"
    screenshot("sso-seed-member-refused")
    assert organisation_read(django_db_blocker, slug).entra_tenant_id == ""
    assert user_read(django_db_blocker, slug, member).entra_oid is None

    # The admin's Microsoft sign-in binds the tenant and lands on the home page.
    sign_in_with_microsoft(page, live_app, microsoft, slug, admin_email(slug))
    assert page.url == live_app.url(slug, "/")
    assert page.get_by_test_id("user-name").inner_text() == admin_email(slug)
    screenshot("sso-seed-admin-home")
    organisation = organisation_read(django_db_blocker, slug)
    assert (organisation.entra_tenant_id, organisation.entra_connected_by) == (
        CONTOSO,
        admin_email(slug),
    )
    admin = user_read(django_db_blocker, slug, admin_email(slug))
    assert (admin.entra_tid, admin.entra_oid) == (CONTOSO, admin_oid)
