"""Provisioning and admins (docs/scim.md): what a SCIM token can and cannot do to admins.

The two attacks of a leaked token, over HTTP against a fresh organisation on the live
gunicorn server, then the audit trail of SCIM changes to admins.
"""

from urllib.parse import quote

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import AuditEntry, User
from accounts.services import user_create
from scim.models import ProvisioningEvent
from tests.conftest import host_client
from tests.scim.conftest import ERROR, PATCH_OP, eventually, in_schema, parallel

LAST_ADMIN = (
    "{} is the only active admin of this organisation, so Looop will not {}: the "
    "organisation would have no admin left. Make someone else an admin in Looop first."
)


def _founder(live_scim) -> dict:
    """Entra's lookup of the founding admin by userName (the first step of both attacks)."""
    admin = f"admin@{live_scim.host.split('.')[0]}.test"
    status, found = live_scim.request("GET", "/Users?filter=" + quote(f'userName eq "{admin}"'))
    assert status == 200 and found["totalResults"] == 1, found
    return found["Resources"][0]


def _stored(django_db_blocker, slug: str, user_id: str) -> User:
    with django_db_blocker.unblock(), schema_context(slug):
        return User.objects.get(pk=user_id)


def _refusal_event(django_db_blocker, slug: str, method: str) -> ProvisioningEvent:
    """The request's line in Provisioning activity (written by the server's batch writer)."""

    def logged() -> ProvisioningEvent | None:
        with django_db_blocker.unblock(), schema_context(slug):
            return ProvisioningEvent.objects.filter(method=method, status=400).first()

    eventually(lambda: logged() is not None)
    return logged()


def test_a_leaked_token_cannot_deactivate_the_only_admin(live_scim, live_org, django_db_blocker):
    slug = live_org.schema_name
    founder = _founder(live_scim)
    body = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Replace", "path": "externalId", "value": "6f1c0f64-attacker-oid"},
            {"op": "Replace", "path": "active", "value": "False"},
        ],
    }

    status, error = live_scim.request("PATCH", f"/Users/{founder['id']}", body)

    detail = LAST_ADMIN.format(founder["userName"], "deactivate them")
    assert (status, error) == (
        400,
        {"schemas": [ERROR], "status": "400", "scimType": "mutability", "detail": detail},
    )
    stored = _stored(django_db_blocker, slug, founder["id"])  # all or nothing: neither written
    assert (stored.active, stored.external_id, stored.version) == (True, None, 1)
    event = _refusal_event(django_db_blocker, slug, "PATCH")
    assert (event.resource_id, event.scim_type, event.detail) == (
        founder["id"],
        "mutability",
        detail,
    )
    # Account > Provisioning shows the refusal with its reason.
    with django_db_blocker.unblock(), schema_context(slug):
        console = host_client(slug)
        console.force_login(stored)
        page = console.get("/account/provisioning?errors=1").content.decode()
    assert "only active admin of this organisation" in page


def test_a_leaked_token_cannot_delete_the_only_admin(live_scim, live_org, django_db_blocker):
    slug = live_org.schema_name
    founder = _founder(live_scim)

    status, error = live_scim.request("DELETE", f"/Users/{founder['id']}")

    detail = LAST_ADMIN.format(founder["userName"], "delete them")
    assert (status, error) == (
        400,
        {"schemas": [ERROR], "status": "400", "scimType": "mutability", "detail": detail},
    )
    stored = _stored(django_db_blocker, slug, founder["id"])
    assert (stored.deleted_at, stored.active) == (None, True)
    assert live_scim.request("GET", f"/Users/{founder['id']}")[0] == 200
    event = _refusal_event(django_db_blocker, slug, "DELETE")
    assert (event.resource_id, event.scim_type, event.detail) == (
        founder["id"],
        "mutability",
        detail,
    )


def test_two_admins_deactivated_at_once_leave_one(live_scim, live_org, django_db_blocker):
    """The rule holds under real concurrency: the admins' rows are locked for the check."""
    slug = live_org.schema_name
    founder = _founder(live_scim)
    with django_db_blocker.unblock(), schema_context(slug):
        second = user_create(actor=SYSTEM, user_name=f"second@{slug}.test", role="admin")
    ids = [founder["id"], str(second.pk)]
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }

    results = parallel(2, lambda i: live_scim.request("PATCH", f"/Users/{ids[i]}", body))

    assert sorted(status for status, _ in results) == [200, 400]
    with django_db_blocker.unblock(), schema_context(slug):
        assert User.objects.filter(role="admin", active=True).count() == 1


# --- every SCIM change to an admin is in the audit trail, on the person's page -------------


@pytest.fixture
def ada(acme, alice) -> User:
    """A second admin of acme, provisioned by SCIM and made admin in the console."""
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM, user_name="ada@acme.test", role=User.Role.ADMIN, source="scim"
        )


def _entries(user: User) -> list[tuple[str, str, dict]]:
    with schema_context("acme"):
        entries = AuditEntry.objects.filter(target=str(user.pk)).order_by("at", "id")
        return [(e.actor_label, e.action, e.detail) for e in entries if e.actor_label != "system"]


@pytest.mark.django_db
def test_scim_changes_to_an_admin_are_audited_and_shown(scim, alice_client, ada):
    token = "SCIM token “Microsoft Entra ID”"
    title = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "title", "value": "CTO"}],
    }
    assert scim.patch(f"/Users/{ada.pk}", title).status_code == 200
    off = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    assert scim.patch(f"/Users/{ada.pk}", off).status_code == 200

    assert _entries(ada) == [
        (token, "user.update", {"user_name": "ada@acme.test", "changed": ["title"]}),
        (token, "user.deactivate", {"user_name": "ada@acme.test"}),
    ]
    page = alice_client.get(f"/people/{ada.pk}").content.decode()
    assert f"<strong>{token}</strong> edited title of ada@acme.test" in page
    assert f"<strong>{token}</strong> deactivated ada@acme.test" in page

    assert scim.delete(f"/Users/{ada.pk}").status_code == 204
    assert _entries(ada)[-1] == (token, "user.delete", {"user_name": "ada@acme.test"})


@pytest.mark.django_db
def test_scim_changes_of_members_are_audited_too(scim, acme):
    """Entra's routine traffic is in the person's History as well as the provisioning log."""
    token = "SCIM token “Microsoft Entra ID”"
    with schema_context("acme"):
        bea = user_create(actor=SYSTEM, user_name="bea@acme.test", source="scim")
    title = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "title", "value": "QA"}],
    }
    assert scim.patch(f"/Users/{bea.pk}", title).status_code == 200
    edited = (token, "user.update", {"user_name": "bea@acme.test", "changed": ["title"]})
    assert _entries(bea) == [edited]
    off = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    assert scim.patch(f"/Users/{bea.pk}", off).status_code == 200
    assert _entries(bea) == [edited, (token, "user.deactivate", {"user_name": "bea@acme.test"})]
    assert in_schema("acme", lambda: User.objects.get(pk=bea.pk).active) is False
