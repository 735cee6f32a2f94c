"""People in Chromium: select two people, bulk deactivate, confirm, read the summary."""

import pytest
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, User
from tests.e2e.console_steps import add_member, admin_email, sign_in

pytestmark = pytest.mark.e2e


def test_select_two_people_and_deactivate_them(
    live_app, live_org, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    mo = add_member(django_db_blocker, slug, f"mo@{slug}.test")
    max_ = add_member(django_db_blocker, slug, f"max@{slug}.test")
    keep = add_member(django_db_blocker, slug, f"kim@{slug}.test")
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/people"))
    page.locator(f'input[name=ids][value="{mo.pk}"]').check()
    page.locator(f'input[name=ids][value="{max_.pk}"]').check()
    page.get_by_label("With the selected people").select_option("deactivate")
    page.get_by_role("button", name="Review…").click()
    page.wait_for_url(live_app.url(slug, "/people/bulk"))
    change = page.locator("[data-testid=bulk-change] li")
    assert change.all_inner_texts() == [f"Mo Member max@{slug}.test", f"Mo Member mo@{slug}.test"]
    screenshot("people-bulk-confirm")
    page.get_by_role("button", name="Yes, deactivate: 2 people").click()
    page.wait_for_url(live_app.url(slug, "/people"))
    assert page.locator(".messages li").all_inner_texts() == ["Deactivate: 2 changed, 0 skipped."]
    with django_db_blocker.unblock(), schema_context(slug):
        states = dict(
            User.objects.filter(pk__in=[mo.pk, max_.pk, keep.pk]).values_list("user_name", "active")
        )
        audited = sorted(
            AuditEntry.objects.filter(action="user.deactivate").values_list("target", flat=True)
        )
    assert states == {f"mo@{slug}.test": False, f"max@{slug}.test": False, f"kim@{slug}.test": True}
    assert audited == sorted([str(mo.pk), str(max_.pk)])


def test_select_all_on_the_page_checks_every_row(live_app, live_org, page, django_db_blocker):
    slug = live_org.schema_name
    add_member(django_db_blocker, slug, f"mo@{slug}.test")
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/people"))
    page.get_by_label("Select everyone on this page").check()
    boxes = page.locator("input[name=ids]")
    assert boxes.count() == 2
    assert [box.is_checked() for box in boxes.all()] == [True, True]
