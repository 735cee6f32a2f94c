"""People: bulk role change and bulk deactivate, planned, confirmed, run through the
action layer and audited."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import uuid

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM, Actor
from accounts.models import AuditEntry, User
from accounts.services import user_create
from accounts.services.bulk import BULK_MAX, bulk_plan, bulk_run
from accounts.services.organisations import organisation_host
from tests.accounts.console_support import bob, bob_client, scott, signed_in  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def names(people) -> list[str]:
    return [p.user_name for p in people]


def skips(outcome) -> list[tuple[str, str]]:
    return [(p.user_name, reason) for p, reason in outcome.skipped]


def state(*people: User) -> dict[str, tuple[bool, str]]:
    with schema_context("acme"):
        return {
            u.user_name: (u.active, u.role)
            for u in User.objects.filter(pk__in=[p.pk for p in people]).order_by("user_name")
        }


def audit_rows() -> list[tuple[str, str, str, dict]]:
    with schema_context("acme"):
        return list(
            AuditEntry.objects.filter(action__in=["user.deactivate", "user.role_set"])
            .order_by("id")
            .values_list("actor_label", "action", "target", "detail")
        )


@pytest.fixture
def carol(acme) -> User:
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM, user_name="carol@acme.test", email="carol@acme.test", password=PASSWORD
        )


# --- the service ---


def test_plan_deactivate_says_who_changes_and_who_is_skipped_and_why(alice, bob, carol, scott):
    with schema_context("acme"):
        User.objects.filter(pk=carol.pk).update(active=False)
        ids = [bob.pk, carol.pk, scott.pk, alice.pk, uuid.uuid4()]
        plan = bulk_plan(ids=ids, action="deactivate", actor=Actor.console(alice))
    assert names(plan.changed) == ["bob@acme.test"]
    assert skips(plan) == [
        ("alice@acme.test", "you can't deactivate yourself"),
        ("carol@acme.test", "already deactivated"),
        ("scott@acme.test", "provisioned by SCIM: deactivate them in Microsoft Entra ID"),
    ]
    assert plan.not_found == 1
    assert state(bob, carol)["bob@acme.test"] == (True, "member")  # planning writes nothing
    assert audit_rows() == []


def test_plan_role_sets_scim_people_and_keeps_the_last_admin(alice, bob, scott):
    with schema_context("acme"):
        admin_plan = bulk_plan(
            ids=[bob.pk, scott.pk, alice.pk], action="make_admin", actor=Actor.console(alice)
        )
        member_plan = bulk_plan(
            ids=[bob.pk, alice.pk], action="make_member", actor=Actor.console(alice)
        )
    assert names(admin_plan.changed) == ["bob@acme.test", "scott@acme.test"]
    assert skips(admin_plan) == [("alice@acme.test", "already admin")]
    assert member_plan.changed == []
    assert skips(member_plan) == [
        ("bob@acme.test", "already member"),
        ("alice@acme.test", "the organisation's last active admin"),
    ]


def test_run_deactivates_through_the_action_layer_with_one_audit_entry_each(
    alice, bob, carol, scott
):
    with schema_context("acme"):
        done = bulk_run(
            ids=[bob.pk, carol.pk, scott.pk], action="deactivate", actor=Actor.console(alice)
        )
    assert names(done.changed) == ["bob@acme.test", "carol@acme.test"]
    assert skips(done) == [
        ("scott@acme.test", "provisioned by SCIM: deactivate them in Microsoft Entra ID")
    ]
    assert state(bob, carol, scott) == {
        "bob@acme.test": (False, "member"),
        "carol@acme.test": (False, "member"),
        "scott@acme.test": (True, "member"),
    }
    rows = audit_rows()
    assert [(label, action, target) for label, action, target, _ in rows] == [
        ("alice@acme.test", "user.deactivate", str(bob.pk)),
        ("alice@acme.test", "user.deactivate", str(carol.pk)),
    ]


def test_run_refusal_of_the_last_admin_skips_only_that_person(alice, bob):
    with schema_context("acme"):
        bob = User.objects.get(pk=bob.pk)
        User.objects.filter(pk=bob.pk).update(role=User.Role.ADMIN)
        # SYSTEM acting: no "yourself" rule, so the action layer's last-admin rule decides.
        done = bulk_run(ids=[alice.pk, bob.pk], action="make_member", actor=SYSTEM)
    assert names(done.changed) == ["alice@acme.test"]
    assert [p.user_name for p, _ in done.skipped] == ["bob@acme.test"]
    assert "only active admin" in done.skipped[0][1]
    assert state(alice, bob) == {
        "alice@acme.test": (True, "member"),
        "bob@acme.test": (True, "admin"),
    }


# --- the views ---


def post_ids(client: Client, path: str, action: str, *ids) -> object:
    return client.post(path, {"action": action, "ids": [str(i) for i in ids]})


def test_list_has_a_checkbox_per_person_and_the_action_bar(alice_client, bob, scott):
    body = alice_client.get("/people").content.decode()
    assert body.count('name="ids"') == 3
    assert f'value="{bob.pk}"' in body and f'value="{scott.pk}"' in body
    assert 'data-select-all="ids"' in body
    assert '<option value="deactivate">Deactivate</option>' in body


def test_confirmation_lists_changes_and_skips_and_writes_nothing(alice_client, alice, bob, scott):
    response = post_ids(alice_client, "/people/bulk", "deactivate", bob.pk, scott.pk, alice.pk)
    assert response.status_code == 200
    body = response.content.decode()
    change = body.split('data-testid="bulk-change">')[1].split("</ul>")[0]
    skip = body.split('data-testid="bulk-skip">')[1].split("</ul>")[0]
    assert "Bob Builder" in change and "Scott" not in change
    assert "Scott Provisioned" in skip and "provisioned by SCIM" in skip
    assert "you can&#x27;t deactivate yourself" in skip
    assert "Yes, deactivate: 1 person" in body
    assert body.count('name="ids"') == 3
    assert state(bob)["bob@acme.test"] == (True, "member")
    assert audit_rows() == []


def test_run_changes_audits_and_summarises(alice_client, alice, bob, scott):
    response = post_ids(alice_client, "/people/bulk/run", "make_admin", bob.pk, scott.pk, alice.pk)
    assert response.status_code == 302
    assert response["Location"] == "/people"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        "Make admin: 2 changed, 1 skipped.",
        "Skipped alice@acme.test: already admin",
    ]
    assert state(bob, scott) == {
        "bob@acme.test": (True, "admin"),
        "scott@acme.test": (True, "admin"),
    }
    assert audit_rows() == [
        (
            "alice@acme.test",
            "user.role_set",
            str(bob.pk),
            {"user_name": "bob@acme.test", "from": "member", "to": "admin"},
        ),
        (
            "alice@acme.test",
            "user.role_set",
            str(scott.pk),
            {"user_name": "scott@acme.test", "from": "member", "to": "admin"},
        ),
    ]


def test_other_organisations_people_are_not_found(alice_client, bob, gina):
    response = post_ids(alice_client, "/people/bulk/run", "deactivate", bob.pk, gina.pk)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Deactivate: 1 changed, 1 skipped."
    ]
    with schema_context("globex"):
        assert User.objects.get(pk=gina.pk).active is True
        assert not AuditEntry.objects.filter(action="user.deactivate").exists()
    confirm = post_ids(alice_client, "/people/bulk", "deactivate", gina.pk)
    assert confirm.status_code == 200
    assert "1 not found in this organisation" in confirm.content.decode()
    assert "gina" not in confirm.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "deactivate"}, "Choose at least one person."),
        ({"action": "deactivate", "ids": ["not-a-uuid"]}, "The selection holds an id"),
        ({"action": "delete_all", "ids": [str(uuid.uuid4())]}, "Choose an action"),
        (
            {"action": "deactivate", "ids": [str(uuid.uuid4()) for _ in range(BULK_MAX + 1)]},
            f"Choose at most {BULK_MAX} people at a time.",
        ),
    ],
)
@pytest.mark.parametrize("path", ["/people/bulk", "/people/bulk/run"])
def test_bad_selections_are_400(alice_client, bob, path, data, message):
    response = alice_client.post(path, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(bob)["bob@acme.test"] == (True, "member")
    assert audit_rows() == []


def test_exactly_the_cap_is_accepted(alice_client, bob):
    ids = [str(uuid.uuid4()) for _ in range(BULK_MAX - 1)] + [str(bob.pk)]
    response = alice_client.post("/people/bulk/run", {"action": "deactivate", "ids": ids})
    assert response.status_code == 302
    assert state(bob)["bob@acme.test"] == (False, "member")


def test_members_get_403_and_nothing_changes(bob_client, bob, alice):
    for path in ["/people/bulk", "/people/bulk/run"]:
        response = post_ids(bob_client, path, "make_member", alice.pk)
        assert response.status_code == 403
    assert state(alice)["alice@acme.test"] == (True, "admin")


def test_run_is_post_only_and_needs_csrf(alice_client, alice, bob):
    assert alice_client.get("/people/bulk/run", {"action": "deactivate"}).status_code == 405
    client = Client(HTTP_HOST=organisation_host("acme"), enforce_csrf_checks=True)
    with schema_context("acme"):
        client.force_login(alice)
    assert post_ids(client, "/people/bulk/run", "deactivate", bob.pk).status_code == 403
    assert state(bob)["bob@acme.test"] == (True, "member")


def test_signed_out_visitors_go_to_sign_in(acme_client, bob):
    response = post_ids(acme_client, "/people/bulk/run", "deactivate", bob.pk)
    assert response.status_code == 302
    assert response["Location"].startswith("/login")
    assert state(bob)["bob@acme.test"] == (True, "member")
