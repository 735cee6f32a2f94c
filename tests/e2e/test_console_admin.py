"""The console in real Chromium: the Microsoft Azure switch, people and groups, and members.

Flows 5 and 7 of the console issue, plus a screenshot of every page.
"""

import pytest
from django_tenants.utils import schema_context

from accounts.models import Group, Membership, Organisation, User
from tests.e2e.console_steps import add_member, admin_email, sign_in

pytestmark = pytest.mark.e2e


def microsoft_enabled(django_db_blocker, slug: str) -> bool:
    with django_db_blocker.unblock():
        return Organisation.objects.get(schema_name=slug).microsoft_enabled


def test_microsoft_azure_switch_turns_on_and_off(
    live_app, live_org, page, screenshot, django_db_blocker, entra_provider
):
    if entra_provider is None:  # the switch turns on only with a Microsoft app registration
        pytest.skip("the local Entra provider is not installed (make e2e-deps)")
    slug = live_org.schema_name
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/account/authentication"))
    switch = page.get_by_role("switch", name="Microsoft Azure")
    assert switch.get_attribute("aria-checked") == "false"
    assert "Not connected" in page.get_by_test_id("entra-connection").inner_text()

    switch.focus()
    with page.expect_navigation():
        page.keyboard.press("Space")  # a switch works from the keyboard
    switch = page.get_by_role("switch", name="Microsoft Azure")
    assert switch.get_attribute("aria-checked") == "true"
    assert switch.inner_text().strip() == "On"
    assert page.get_by_role("status").first.inner_text() == "Microsoft Azure sign-in is on."
    assert microsoft_enabled(django_db_blocker, slug) is True
    screenshot("authentication-microsoft-on")

    with page.expect_navigation():
        switch.click()
    switch = page.get_by_role("switch", name="Microsoft Azure")
    assert switch.get_attribute("aria-checked") == "false"
    assert microsoft_enabled(django_db_blocker, slug) is False
    history = page.get_by_test_id("audit").inner_text()
    assert "turned Microsoft Azure sign-in off" in history
    assert "turned Microsoft Azure sign-in on" in history


def test_member_is_refused_the_account_pages(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    member = add_member(django_db_blocker, slug, f"mo@{slug}.test")
    sign_in(page, live_app, slug, member.user_name)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="My profile").is_visible()
    assert nav.get_by_text("Account").count() == 0
    for path in ["/account/authentication", "/account/provisioning", "/people", "/groups"]:
        response = page.goto(live_app.url(slug, path))
        assert response.status == 403, path
        assert page.get_by_role("heading", name="You don't have access to this page").is_visible()
    screenshot("forbidden")
    nav_profile = page.goto(live_app.url(slug, "/profile"))
    assert nav_profile.status == 200
    assert page.get_by_role("heading", name="Mo Member").is_visible()
    assert page.get_by_role("button", name="Change role").count() == 0
    screenshot("profile-member")


def test_people_and_groups_pages(live_app, live_org, page, screenshot, django_db_blocker):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        admin = User.objects.get(user_name=admin_email(slug))
        people = [
            User.objects.create(
                user_name=f"{given.lower()}@{slug}.test",
                email=f"{given.lower()}@{slug}.test",
                name_given=given,
                name_family=family,
                title=title,
                department="Sales",
                source=source,
                manager=admin,
            )
            for given, family, title, source in [
                ("Ada", "Lovelace", "Analyst", "scim"),
                ("Grace", "Hopper", "Engineer", "scim"),
                ("Linus", "Byte", "Support", "console"),
            ]
        ]
        sales = Group.objects.create(display_name="Sales team", external_id="a1b2c3")
        Membership.objects.bulk_create([Membership(group=sales, user=p) for p in people])
    sign_in(page, live_app, slug, admin_email(slug))
    page.get_by_role("link", name="People", exact=True).click()
    assert page.locator("[data-testid=people] tbody tr").count() == 4
    screenshot("people")
    page.get_by_label("Search", exact=True).fill("hopper")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("[data-testid=people] tbody tr").count() == 1
    page.get_by_role("link", name="Grace Hopper").click()
    assert page.get_by_test_id("scim-managed").is_visible()
    page.get_by_role("link", name="People").first.click()

    # An admin adds a console user, makes them an admin, and deactivates them.
    page.get_by_role("link", name="Add person").click()
    page.get_by_label("Email").fill(f"new@{slug}.test")
    page.get_by_label("Given name").fill("Newt")
    page.get_by_label("Family name").fill("Comer")
    page.get_by_label("Password").fill("a fine long pass phrase")
    screenshot("person-create")
    page.get_by_role("button", name="Add person").click()
    assert page.get_by_role("heading", name="Newt Comer").is_visible()
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Change role").click()
    assert page.get_by_test_id("role").inner_text() == "Admin"
    assert "changed the role of new@" in page.get_by_test_id("audit").inner_text()
    page.get_by_text("Deactivate…").click()  # asks first
    assert page.get_by_test_id("status").inner_text() == "Active"
    page.get_by_role("button", name="Yes, deactivate Newt Comer").click()
    assert page.get_by_test_id("status").inner_text() == "Deactivated"
    screenshot("person")

    page.get_by_role("link", name="Groups").click()
    assert page.locator("[data-testid=groups] tbody tr").inner_text().split("\t")[:2] == [
        "Sales team",
        "3",
    ]
    screenshot("groups")
    page.get_by_role("link", name="Sales team").click()
    assert page.get_by_test_id("member-count").inner_text() == "3"
    assert page.locator("[data-testid=members] tbody tr").count() == 3
    screenshot("group")

    # Narrow screens: the layout reflows and nothing scrolls sideways but the tables.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_app.url(slug, "/people"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot("people-mobile")


def test_keyboard_reaches_the_skip_link_and_the_account_menu(live_app, live_org, page):
    slug = live_org.schema_name
    sign_in(page, live_app, slug, admin_email(slug))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    menu = page.locator("[data-nav-menu]")
    page.locator("summary").focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("open") is not None
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
