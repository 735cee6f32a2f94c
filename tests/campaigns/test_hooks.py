"""Provisioning changes reach campaigns through accounts' hook: attribute changes are
reported, and a running campaign gets one debounced tick per organisation."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts import hooks
from accounts.models import User
from campaigns import interest, services
from campaigns.interest import organisation_interested, tick_pending
from scim.patch import PATCH_OP_SCHEMA as PATCH_OP
from tests.campaigns.conftest import person
from tests.scim.conftest import ScimClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    changes: list[tuple[hooks.AttributesChanged, bool]] = []

    def subscriber(change: hooks.Change) -> None:
        if isinstance(change, hooks.AttributesChanged):
            changes.append((change, connection.in_atomic_block))

    hooks.subscribe(subscriber)
    yield changes
    hooks.unsubscribe(subscriber)


def _ticks() -> list[tuple[str, dict, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT queueing_lock, args, status FROM procrastinate_jobs"
            " WHERE task_name = 'campaigns.tick' ORDER BY id"
        )
        return cursor.fetchall()


def test_scim_creates_and_updates_report_their_attributes_inside_the_transaction(acme, heard):
    scim = ScimClient("acme", token_for("acme", name="Entra"))
    created = scim.post(
        "/Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "sam@acme.test",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
        },
    )
    assert created.status_code == 201
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [
            {
                "op": "Replace",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "value": "Marketing",
            }
        ],
    }
    assert scim.patch(f"/Users/{created.json()['id']}", patch).status_code == 200
    [(create, inside_create), (update, inside_update)] = heard
    assert (create.created, "department" in create.fields, inside_create) == (True, True, True)
    assert (update.created, update.fields, inside_update) == (False, ("department",), True)
    assert str(create.user_id) == str(update.user_id) == created.json()["id"]


def test_changes_defer_one_tick_per_organisation_only_with_a_started_campaign(acme):
    with schema_context("acme"):
        person("before@acme.test", department="Sales")
        assert _ticks() == []  # no campaign: nothing deferred
        campaign = services.campaign_create(name="S", audience='department eq "Sales"')
        services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
        person("draft@acme.test", department="Sales")
        assert _ticks() == []  # a draft is not followed
        services.campaign_start(campaign=campaign)
        person("one@acme.test", department="Sales")
        person("two@acme.test", department="Sales")
    ticks = _ticks()
    # The start's immediate tick holds the lock; later changes find it waiting.
    assert [(lock, status) for lock, _, status in ticks] == [("campaigns.tick:acme", "todo")]
    assert json.loads(ticks[0][1]) == {"organisation": "acme", "reminders": False}


@pytest.fixture
def forget_ticks():
    yield
    interest._tick_until.clear()  # this process's memory must not reach other tests


def test_while_a_tick_is_pending_scim_writes_skip_the_hook(
    acme, globex, django_capture_on_commit_callbacks, forget_ticks
):
    with schema_context("acme"):
        campaign = services.campaign_create(name="S", audience='department eq "Sales"')
        services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
        services.campaign_start(campaign=campaign)
    scim = ScimClient("acme", token_for("acme", name="Entra"))

    def create(name: str) -> list[str]:
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}
        captured = CaptureQueriesContext(connection)
        with captured as queries, django_capture_on_commit_callbacks(execute=True):
            assert scim.post("/Users", body).status_code == 201
        return [q["sql"] for q in queries.captured_queries if "procrastinate" in q["sql"]]

    assert create("one@acme.test")  # the first write asks for the tick (and finds it waiting)
    with schema_context("acme"):
        assert tick_pending()
        kinds = ("members_added", "members_removed", "access", "attributes")
        assert not any(organisation_interested(kind) for kind in kinds)
    assert create("two@acme.test") == []  # the pending tick will see it: no job, no hook
    with schema_context("globex"):
        assert not tick_pending()  # another organisation's tick is its own
    with schema_context("acme"):
        assert {u.user_name for u in User.objects.all()} >= {"one@acme.test", "two@acme.test"}
