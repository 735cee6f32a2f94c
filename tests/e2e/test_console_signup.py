"""Flow 8: sign-up on the public host creates an organisation; its admin arrives signed in on
the organisation's host, welcomed, with the setup checklist."""

import uuid

import pytest
from django_tenants.utils import schema_context

from accounts.models import Organisation, User
from tests.e2e.console_steps import sign_in

pytestmark = pytest.mark.e2e


def test_sign_up_creates_an_organisation(live_app, live_org, page, screenshot, django_db_blocker):
    suffix = uuid.uuid4().hex[:6]
    name = f"Wonka {suffix}"
    slug = f"wonka-{suffix}"
    page.goto(live_app.url(None, "/"))
    page.get_by_role("link", name="Create your organisation").click()
    page.wait_for_url(live_app.url(None, "/signup"))

    page.get_by_label("Organisation name").fill(name)
    address = page.get_by_label("Address")
    assert address.input_value() == slug  # suggested from the name
    status = page.get_by_test_id("slug-status")
    status.filter(has_text="is available").wait_for()
    assert status.inner_text() == f"{slug}.looop.localhost is available."

    address.fill(live_org.schema_name)  # taken
    status.filter(has_text="already taken").wait_for()
    address.fill("Not_OK")
    status.filter(has_text="not a valid organisation slug").wait_for()
    address.fill(slug)
    status.filter(has_text="is available").wait_for()

    page.get_by_label("Your email").fill(f"charlie@{slug}.test")
    page.get_by_label("Password").fill("golden ticket 1971")
    screenshot("signup")
    page.get_by_role("button", name="Create organisation").click()
    page.wait_for_url(live_app.url(slug, "/"))  # through /welcome, signed in there
    assert page.get_by_role("status").inner_text() == (
        f"Welcome to Looop, charlie@{slug}.test! {name} is ready. The checklist below takes"
        " you through connecting Microsoft Entra ID."
    )
    assert page.get_by_test_id("org-name").inner_text() == name
    assert page.get_by_test_id("checklist").is_visible()
    assert page.get_by_test_id("checklist").get_by_text("0 of 5 done").is_visible()
    screenshot("signup-welcome")
    assert page.context.cookies(live_app.url(slug, "/welcome")) == [
        c
        for c in page.context.cookies(live_app.url(slug, "/welcome"))
        if c["name"] != "looop_welcome"
    ]  # the binding cookie is spent

    with django_db_blocker.unblock():
        organisation = Organisation.objects.get(schema_name=slug)
        with schema_context(slug):
            admin = User.objects.get()
    assert organisation.name == name
    assert (admin.user_name, admin.role) == (f"charlie@{slug}.test", "admin")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_app, slug, f"charlie@{slug}.test", "golden ticket 1971")
    assert page.get_by_test_id("org-name").inner_text() == name


def test_sign_up_refuses_a_weak_password(live_app, page):
    slug = f"weak-{uuid.uuid4().hex[:6]}"
    page.goto(live_app.url(None, "/signup"))
    page.get_by_label("Organisation name").fill("Weak Ltd")
    page.get_by_label("Address").fill(slug)
    page.get_by_label("Your email").fill("w@weak.test")
    page.get_by_label("Password").fill("123")
    page.get_by_role("button", name="Create organisation").click()
    assert "This password is too short" in page.locator("main").inner_text()
    assert page.get_by_label("Address").input_value() == slug  # kept for the next try
