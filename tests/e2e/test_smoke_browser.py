"""The browser reaches the live server on an organisation's host and signs in."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_admin_signs_in_with_password(live_app, live_org, page, screenshot):
    page.goto(live_app.url(live_org.schema_name, "/login"))
    screenshot("login")
    page.get_by_label("Email").fill(f"admin@{live_org.schema_name}.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_app.url(live_org.schema_name, "/"))
    assert page.get_by_test_id("org-name").inner_text() == live_org.name
    screenshot("home")
