"""A server with no Microsoft app registration, in real Chromium: the switch stays off, the
page says why in an admin's words, and the in-app help is one click away."""

from collections.abc import Iterator

import pytest

from accounts.models import Organisation
from tests.conftest import LiveServer, gunicorn_server
from tests.e2e.console_steps import admin_email, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def unregistered_app(django_db_setup) -> Iterator[LiveServer]:
    with gunicorn_server(MICROSOFT_CLIENT_ID="", MICROSOFT_CLIENT_SECRET="") as server:
        yield server


def test_the_switch_stays_off_and_points_to_the_help(
    unregistered_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    sign_in(page, unregistered_app, slug, admin_email(slug))
    page.goto(unregistered_app.url(slug, "/account/authentication"))
    switch = page.get_by_role("switch", name="Microsoft Azure")
    assert switch.get_attribute("aria-checked") == "false"
    assert switch.is_disabled()
    notice = page.get_by_test_id("microsoft-not-configured")
    assert notice.inner_text().startswith(
        "Sign in with Microsoft isn't set up on this Looop server yet, so Microsoft Azure can't "
        "be turned on."
    )
    assert "MICROSOFT_" not in page.content() and "docs/" not in page.content()
    screenshot("authentication-microsoft-not-set-up")

    switch.click(force=True)  # a disabled button sends nothing
    page.wait_for_timeout(300)
    assert page.url == unregistered_app.url(slug, "/account/authentication")
    with django_db_blocker.unblock():
        assert Organisation.objects.get(schema_name=slug).microsoft_enabled is False

    page.get_by_test_id("microsoft-help").click()
    page.wait_for_url(unregistered_app.url(slug, "/help/microsoft"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Set up Sign in with Microsoft and provisioning"
    )
    assert (
        "This Looop server isn't registered with Microsoft yet"
        in page.get_by_test_id("help-server").inner_text()
    )
    screenshot("help-microsoft")
