"""Step 4 of the learning flow with Sign in with Microsoft, in real Chromium, against the
real OpenID Connect provider process the other sign-in tests use (`make e2e-deps`).

A pathway is shared with the group "New starters", due 7 days after receipt. SCIM
provisions a user and adds them to the group; the user signs in with Microsoft (no
password is ever set) and finds the pathway with its due date on their home, opens it from
there, and loses it when SCIM removes them from the group.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Group
from learning import services
from tests.e2e.console_steps import scim_request
from tests.sso.e2e_steps import (
    CONTOSO,
    directory_user,
    microsoft_fixture,  # noqa: F401 (the `microsoft` fixture)
    organisation_set,
    scim_provision,
    scim_secret,
    sign_in_with_microsoft,
    user_read,
)

pytestmark = pytest.mark.e2e

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def members_patch(op: str, user_id: str) -> dict:
    return {
        "schemas": [PATCH],
        "Operations": [{"op": op, "path": "members", "value": [{"value": user_id}]}],
    }


def test_new_starter_signs_in_with_microsoft_and_finds_the_pathway_with_its_due_date(
    live_app, live_org, microsoft, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    organisation_set(django_db_blocker, slug, microsoft_enabled=True, entra_tenant_id=CONTOSO)
    secret = scim_secret(django_db_blocker, slug)
    status, group = scim_request(
        live_app, slug, "POST", "/Groups", secret,
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
         "displayName": "New starters"},
    )  # fmt: skip
    assert status == 201
    with django_db_blocker.unblock(), schema_context(slug):
        workspace = services.workspace_create(name="Welcome")
        values = services.resource_create(workspace=workspace, title="Our values")
        services.element_add(resource=values, kind="text", markdown="We are **kind**.")
        services.resource_publish(resource=values)
        onboarding = services.pathway_create(name="Onboarding", lock_until_passed=True)
        services.pathway_step_add(pathway=onboarding, resource=values)
        services.share_create(
            target=onboarding, group=Group.objects.get(pk=group["id"]), due="after", due_days=7
        )

    nia = f"nia@{slug}.test"
    oid = directory_user(microsoft, tid=CONTOSO, preferred_username=nia, name="Nia New")
    user = scim_provision(live_app, slug, secret, user_name=nia, external_id=oid)
    status, _ = scim_request(
        live_app, slug, "PATCH", f"/Groups/{group['id']}", secret,
        members_patch("Add", user["id"]),
    )  # fmt: skip
    assert status == 204

    sign_in_with_microsoft(page, live_app, microsoft, slug, nia)

    assert page.url == live_app.url(slug, "/")
    assert page.get_by_test_id("user-name").inner_text() == nia
    due = timezone.localdate() + timedelta(days=7)
    item = page.get_by_test_id("item")
    assert item.get_by_test_id("item-title").inner_text() == "Onboarding"
    assert item.get_by_test_id("item-due").inner_text() == f"Due {due.day} {due:%b %Y}"
    assert item.get_by_test_id("item-progress").inner_text() == "0 of 1"
    assert item.get_by_test_id("item-status").inner_text() == "Due soon"
    screenshot("learning-home-microsoft")
    signed_in = user_read(django_db_blocker, slug, nia)
    assert (str(signed_in.pk), signed_in.entra_tid, signed_in.entra_oid) == (
        user["id"],
        CONTOSO,
        oid,
    )

    item.get_by_test_id("item-continue").click()
    assert page.get_by_role("heading", name="Our values").is_visible()
    page.get_by_role("button", name="Mark as complete").click()
    assert page.get_by_test_id("completed").is_visible()
    page.goto(live_app.url(slug, "/"))
    assert page.get_by_test_id("item-progress").inner_text() == "1 of 1"

    status, _ = scim_request(
        live_app, slug, "PATCH", f"/Groups/{group['id']}", secret,
        members_patch("Remove", user["id"]),
    )  # fmt: skip
    assert status == 204
    page.reload()
    assert page.get_by_test_id("my-learning-empty").is_visible()
