"""The console for real admins, in real Chromium: the home checklist, People filters and
export, the provisioning activity that opens, and the smaller gaps (sign-out notice, Find
your organisation by name, the favicon). Screenshots for the README come from here."""

import csv
import io
import time

import pytest
from django_tenants.utils import schema_context

from accounts.models import Group, Organisation
from learning.services import (
    element_add,
    resource_create,
    resource_publish,
    share_create,
    workspace_create,
)
from scim.models import ProvisioningEvent
from tests.e2e.console_data import populate
from tests.e2e.console_steps import admin_email, sign_in

pytestmark = pytest.mark.e2e


def wait_for_events(django_db_blocker, slug: str, n: int) -> None:
    deadline = time.monotonic() + 10  # the live server writes its log in batches
    while time.monotonic() < deadline:
        with django_db_blocker.unblock(), schema_context(slug):
            if ProvisioningEvent.objects.count() >= n:
                return
        time.sleep(0.2)
    raise AssertionError("the provisioning events did not arrive")


def checklist_state(page) -> list[tuple[str, str]]:
    items = page.locator("[data-testid=checklist] li")
    return [
        (item.get_attribute("data-item"), "done" if "is-done" in item.get_attribute("class")
         else "to do")
        for item in items.all()
    ]  # fmt: skip


def downloaded_csv(page, link) -> list[list[str]]:
    with page.expect_download() as info:
        link.click()
    text = open(info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    return list(csv.reader(io.StringIO(text)))


def test_home_checklist_guides_the_admin_then_becomes_a_summary(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    sign_in(page, live_app, slug, admin_email(slug))
    assert checklist_state(page) == [
        ("microsoft", "to do"), ("token", "to do"), ("requests", "to do"),
        ("provisioned", "to do"), ("learning", "to do"),
    ]  # fmt: skip
    page.get_by_role("link", name="Create a token").click()
    assert page.url == live_app.url(slug, "/account/provisioning#create-heading")
    page.get_by_label("Token name").fill("Microsoft Entra ID")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("new-secret").inner_text()

    populate(live_app, django_db_blocker, slug, secret)  # Entra's first requests, one a 409
    wait_for_events(django_db_blocker, slug, 3)
    page.goto(live_app.url(slug, "/"))
    assert checklist_state(page) == [
        ("microsoft", "to do"), ("token", "done"), ("requests", "to do"), ("provisioned", "done"),
        ("learning", "to do"),
    ]  # fmt: skip
    requests = page.locator("[data-item=requests]")
    assert "1 error in the last 24 hours" in requests.inner_text()
    screenshot("home-checklist")
    requests.get_by_role("link", name="See the errors").click()
    assert page.get_by_label("Status").input_value() == "errors"
    assert page.locator("[data-testid=activity] tbody.event").count() == 1

    with django_db_blocker.unblock():
        Organisation.objects.filter(schema_name=slug).update(
            microsoft_enabled=True, entra_tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47"
        )
        with schema_context(slug):
            ProvisioningEvent.objects.filter(status__gte=400).delete()
            workspace = workspace_create(name="Welcome")
            resource = resource_create(workspace=workspace, title="Hello")
            element_add(resource=resource, kind="text", markdown="Hi")
            share_create(target=resource_publish(resource=resource), group=Group.objects.get())
    page.goto(live_app.url(slug, "/"))
    assert page.get_by_test_id("checklist").count() == 0
    summary = page.get_by_test_id("home-summary").inner_text()
    assert "People provisioned\n1" in summary and "Groups provisioned\n1" in summary
    screenshot("home-summary")


def test_people_filters_sort_and_export(live_app, live_org, page, screenshot, django_db_blocker):
    slug = live_org.schema_name
    populate(live_app, django_db_blocker, slug)
    sign_in(page, live_app, slug, admin_email(slug))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    assert page.locator("[data-testid=people] tbody tr").count() == 5
    page.get_by_label("Department").fill("Sales")
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Filter").click()
    assert page.url == live_app.url(slug, "/people?status=active&department=Sales")
    names = page.locator("[data-testid=people] tbody tr td:nth-child(2) a")  # after the select box
    assert names.all_inner_texts() == [
        "Grace Hopper", "Maximiliana-Katharina Wolfeschlegelsteinhausenbergerdorff",
    ]  # fmt: skip
    page.get_by_role("link", name="Name").click()  # sorted by name: the other way now
    assert "sort=-name" in page.url and "department=Sales" in page.url
    assert names.all_inner_texts() == [
        "Maximiliana-Katharina Wolfeschlegelsteinhausenbergerdorff", "Grace Hopper",
    ]  # fmt: skip
    header = page.locator("th[aria-sort=descending]")
    assert header.inner_text().lower().startswith("name")
    page.get_by_label("Source").select_option("scim")
    page.get_by_role("button", name="Filter").click()
    assert "sort=-name" in page.url  # the filter form keeps the sort
    assert names.all_inner_texts() == ["Grace Hopper"]
    page.reload()  # the filter lives in the URL
    assert page.get_by_label("Source").input_value() == "scim"
    screenshot("people-filtered")
    rows = downloaded_csv(page, page.get_by_test_id("people-export"))
    assert [(r[1], r[4], r[5], r[7], r[10]) for r in rows[1:]] == [
        (f"grace@{slug}.test", "active", "scim", "Sales", "Sales team")
    ]


def test_provisioning_event_opens_to_its_request_and_error(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    data = populate(live_app, django_db_blocker, slug)
    wait_for_events(django_db_blocker, slug, 3)
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/account/provisioning"))
    events = page.locator("[data-testid=activity] tbody.event")
    assert events.count() == 3
    touched = page.locator("[data-testid=touched]").all_inner_texts()
    assert touched == ["Sales team", "—", f"Grace Hopper (grace@{slug}.test)"]
    page.get_by_role("link", name=f"Grace Hopper (grace@{slug}.test)").first.click()
    assert page.url == live_app.url(slug, f"/people/{data['grace']}")
    page.go_back()

    clash = events.nth(1)
    assert f"userName “GRACE@{slug}.test” is taken by Grace Hopper" in clash.inner_text()
    detail = clash.get_by_test_id("event-detail")
    assert detail.is_hidden()
    clash.get_by_role("button", name="Show request").click()
    assert detail.is_visible()
    assert "POST /scim/v2/Users" in detail.inner_text()
    assert f'"userName": "GRACE@{slug}.test"' in detail.inner_text()
    assert "409 uniqueness" in detail.inner_text()
    screenshot("provisioning-event-open")
    created = events.nth(2)
    created.get_by_role("button", name="Show request").click()
    body = created.get_by_test_id("event-detail").inner_text()
    assert '"password": "(removed)"' in body and "Not-kept-1234" not in body

    page.get_by_label("Method").select_option("POST")
    page.get_by_label("Resource").select_option("User")
    page.get_by_label("Status").select_option("4xx")
    page.get_by_role("button", name="Filter").click()
    assert events.count() == 1
    rows = downloaded_csv(page, page.get_by_test_id("activity-export"))
    assert [(r[1], r[6], r[7]) for r in rows[1:]] == [("POST", "409", "uniqueness")]
    assert f'(userName "GRACE@{slug}.test")' in rows[1][8]


def test_sign_out_notice_find_by_name_and_favicon(live_app, live_org, page):
    slug = live_org.schema_name
    sign_in(page, live_app, slug, admin_email(slug))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_app.url(slug, "/login"))
    assert page.get_by_role("status").inner_text() == "You are signed out."

    page.goto(live_app.url(None, "/find"))
    page.get_by_label("Address").fill(live_org.name.upper())  # the name, unique here
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(live_app.url(slug, "/login"))

    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.goto(live_app.url(slug, icon))
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
