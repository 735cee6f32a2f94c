"""Every console page at 375 px (a small phone) and 1280 px: no sideways page scroll; wide
tables scroll inside their own box."""

import time

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from scim.models import ProvisioningEvent, ScimToken
from tests.e2e.console_data import populate
from tests.e2e.console_steps import add_member, admin_email, sign_in

pytestmark = pytest.mark.e2e
WIDTHS = (375, 1280)


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def wait_for_events(django_db_blocker, slug: str, n: int) -> None:
    deadline = time.monotonic() + 10  # the live server writes its log in batches
    while time.monotonic() < deadline:
        with django_db_blocker.unblock(), schema_context(slug):
            if ProvisioningEvent.objects.count() >= n:
                return
        time.sleep(0.2)
    raise AssertionError("the provisioning events did not arrive")


def test_every_console_page_fits_at_375_and_1280(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    data = populate(live_app, django_db_blocker, slug)
    wait_for_events(django_db_blocker, slug, 3)
    with django_db_blocker.unblock(), schema_context(slug):
        admin = User.objects.get(user_name=admin_email(slug))
        ada = User.objects.get(user_name=f"ada@{slug}.test")
        token = ScimToken.objects.get()
    member = add_member(django_db_blocker, slug, f"mo@{slug}.test")
    admin_pages = [
        "/", "/people", "/people?source=scim&sort=-created", "/people/new",
        f"/people/{admin.pk}", f"/people/{ada.pk}", f"/people/{ada.pk}/edit",
        f"/people/{data['grace']}", "/groups", f"/groups/{data['group']}",
        "/account/authentication", "/account/authentication/reset-token",
        "/account/provisioning", f"/account/provisioning/tokens/{token.pk}/revoke",
        "/account/email", "/help/microsoft", "/profile/password",
        f"/people/bulk?action=deactivate&ids={ada.pk}&ids={admin.pk}&ids={data['grace']}",
    ]  # fmt: skip
    public_pages = ["/", "/find", "/signup"]
    misfits = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.context.clear_cookies()
        for path in public_pages:
            assert page.goto(live_app.url(None, path)).status == 200, path
            if overflow(page) > 0:
                misfits.append((width, f"public {path}", overflow(page)))
        page.goto(live_app.url(slug, "/login"))
        if overflow(page) > 0:
            misfits.append((width, "/login", overflow(page)))
        sign_in(page, live_app, slug, admin_email(slug))
        for path in admin_pages:
            assert page.goto(live_app.url(slug, path)).status == 200, path
            for toggle in page.locator(".event-toggle").all()[:3]:  # opened events too
                toggle.click()
            if overflow(page) > 0:
                misfits.append((width, path, overflow(page)))
        if width == 375:
            page.goto(live_app.url(slug, "/account/provisioning"))
            screenshot("provisioning-375")
            # the activity table is wider than the phone and scrolls inside its own box
            box = page.locator("[data-testid=activity]").locator("xpath=..")
            assert box.evaluate("e => e.scrollWidth > e.clientWidth")
            assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
            page.goto(live_app.url(slug, "/"))
            screenshot("home-375")
        page.context.clear_cookies()
        sign_in(page, live_app, slug, member.user_name)
        for path in ["/", f"/people/{member.pk}", "/profile/password"]:
            assert page.goto(live_app.url(slug, path)).status == 200, path
            if overflow(page) > 0:
                misfits.append((width, f"member {path}", overflow(page)))
        page.context.clear_cookies()
    assert misfits == [], repr(misfits)
