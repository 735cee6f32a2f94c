"""The admin home: the setup checklist, each item's action, and the summary once done."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Group, Organisation, User
from learning.services import (
    element_add,
    resource_create,
    resource_publish,
    share_create,
    workspace_create,
)
from scim.models import ProvisioningEvent, ScimToken
from tests.accounts.console_support import bob, bob_client  # noqa: F401

pytestmark = pytest.mark.django_db


def checklist(response) -> list[tuple[str, bool, str, str, str]]:
    setup = response.context["setup"]
    return [(i.key, i.done, i.status, i.action_label, i.action_url) for i in setup.items]


def event(status: int, *, ago: timedelta = timedelta(minutes=5)) -> ProvisioningEvent:
    return ProvisioningEvent.objects.create(
        at=timezone.now() - ago, method="GET", path="/scim/v2/Users", status=status,
        duration_ms=1.0,
    )  # fmt: skip


def test_a_new_organisation_sees_every_item_to_do_with_its_action(alice_client):
    response = alice_client.get("/")
    assert response.status_code == 200
    assert checklist(response) == [
        ("microsoft", False, "Microsoft sign-in is off.", "Switch on Microsoft sign-in",
         "/account/authentication"),
        ("token", False, "No active token.", "Create a token",
         "/account/provisioning#create-heading"),
        ("requests", False, "Entra has not called the SCIM endpoint yet.",
         "Start provisioning in Entra", "/help/microsoft"),
        ("provisioned", False, "0 provisioned people, 0 groups.",
         "Assign people and groups in Entra", "/help/microsoft"),
        ("learning", False, "0 published resources; nothing is shared yet.",
         "Build and share content", "/learning"),
    ]  # fmt: skip
    body = response.content.decode()
    assert 'data-testid="checklist"' in body and "0 of 5 done" in body
    assert 'data-testid="home-summary"' not in body


def test_enabled_but_unconnected_microsoft_asks_to_connect(alice_client, acme):
    Organisation.objects.filter(pk=acme.pk).update(microsoft_enabled=True)
    item = checklist(alice_client.get("/"))[0]
    assert item == (
        "microsoft", False, "Microsoft sign-in is on but not connected.",
        "Connect Microsoft Entra ID", "/account/authentication",
    )  # fmt: skip


def test_recent_errors_keep_the_requests_item_open(alice_client):
    with schema_context("acme"):
        event(200, ago=timedelta(hours=30))
        last = event(409)
    item = checklist(alice_client.get("/"))[2]
    when = f"{last.at:%-d %b %Y, %H:%M} UTC"
    assert item == (
        "requests", False, f"Last request {when}; 1 error in the last 24 hours.",
        "See the errors", "/account/provisioning?status=errors#activity-heading",
    )  # fmt: skip


def test_all_done_turns_the_page_into_a_summary(alice_client, acme):
    Organisation.objects.filter(pk=acme.pk).update(
        microsoft_enabled=True, entra_tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47"
    )
    with schema_context("acme"):
        ScimToken.objects.create(name="Entra", prefix="looop_scim_abcdef", secret_sha256="1" * 64)
        event(201)
        User.objects.create(user_name="sam@acme.test", source=User.Source.SCIM)
        sales = Group.objects.create(display_name="Sales")
        workspace = workspace_create(name="Welcome")
        resource = resource_create(workspace=workspace, title="Hello")
        element_add(resource=resource, kind="text", markdown="Hi")
        share_create(target=resource_publish(resource=resource), group=sales)
    response = alice_client.get("/")
    assert [done for _, done, *_ in checklist(response)] == [True, True, True, True, True]
    body = response.content.decode()
    assert 'data-testid="checklist"' not in body
    assert 'data-testid="home-summary"' in body
    assert "<dt>People provisioned</dt><dd>1</dd>" in body
    assert "<dt>Groups provisioned</dt><dd>1</dd>" in body


def test_members_see_no_checklist(bob_client):
    response = bob_client.get("/")
    assert response.status_code == 200
    assert "setup" not in response.context
    assert 'data-testid="checklist"' not in response.content.decode()


def test_another_organisations_setup_does_not_count(alice_client, gina):
    with schema_context("globex"):
        ScimToken.objects.create(name="Entra", prefix="looop_scim_ghijkl", secret_sha256="2" * 64)
        Group.objects.create(display_name="Globex sales")
    items = checklist(alice_client.get("/"))
    assert items[1][:3] == ("token", False, "No active token.")
    assert items[3][:3] == ("provisioned", False, "0 provisioned people, 0 groups.")


def test_learning_item_needs_published_and_shared_content(alice_client):
    with schema_context("acme"):
        workspace = workspace_create(name="Welcome")
        draft = resource_create(workspace=workspace, title="Draft")
        element_add(resource=draft, kind="text", markdown="Hi")
    item = checklist(alice_client.get("/"))[4]
    assert item == (
        "learning", False, "0 published resources; nothing is shared yet.",
        "Build and share content", "/learning",
    )  # fmt: skip
    with schema_context("acme"):
        resource_publish(resource=draft)
    item = checklist(alice_client.get("/"))[4]
    assert item[:3] == ("learning", False, "1 published resource; nothing is shared yet.")
