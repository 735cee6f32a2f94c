"""PATCH /Users/{id} through the whole stack, with the bodies Entra (both dialects) and Okta send.

Each test checks the response, the stored row, and that a bad PATCH changes nothing.
"""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create
from scim.models import ProvisioningEvent
from tests.scim.conftest import ENTERPRISE, PATCH_OP, USER_SCHEMA, error_body, in_schema, meta

pytestmark = pytest.mark.django_db
BASE = "http://acme.looop.localhost/scim/v2"


@pytest.fixture
def ada(acme, alice) -> User:
    """A second admin, so that alice is not the last active admin (whom SCIM cannot remove)."""
    with schema_context("acme"):
        return user_create(actor=SYSTEM, user_name="ada@acme.test", role=User.Role.ADMIN)


def ops(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.fixture
def jane(acme) -> User:
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM,
            user_name="jane@contoso.com",
            email="jane@contoso.com",
            source="scim",
            external_id="e-1",
            display_name="Jane",
            name_given="Jane",
            name_family="Doe",
            title="Engineer",
        )


@pytest.fixture
def boss(acme) -> User:
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM, user_name="boss@contoso.com", source="scim", display_name="Boss"
        )


def row(user: User) -> User:
    return in_schema("acme", lambda: User.objects.get(pk=user.pk))


def test_entra_default_dialect_replace_title_department_email_name(scim, jane):
    body = ops(
        {"op": "Replace", "path": "title", "value": "Senior Engineer"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Research"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "jd@contoso.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Smith"},
    )
    response = scim.patch(f"/Users/{jane.pk}", body)
    assert response.status_code == 200
    fresh = row(jane)
    assert response.json() == {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": str(jane.pk),
        "externalId": "e-1",
        "userName": "jane@contoso.com",
        "name": {"givenName": "Jane", "familyName": "Smith"},
        "displayName": "Jane",
        "title": "Senior Engineer",
        "active": True,
        "emails": [{"value": "jd@contoso.com", "type": "work", "primary": True}],
        ENTERPRISE: {"department": "Research"},
        "meta": meta("User", fresh),
    }
    assert response["ETag"] == 'W/"2"'
    assert (fresh.title, fresh.department, fresh.email, fresh.name_family) == (
        "Senior Engineer", "Research", "jd@contoso.com", "Smith",
    )  # fmt: skip


def test_entra_deactivates_with_the_string_false_and_sessions_end(scim, alice, ada, alice_client):
    assert alice_client.get("/people").status_code == 200
    body = ops({"op": "Replace", "path": "active", "value": "False"})
    response = scim.patch(f"/Users/{alice.pk}", body)
    assert response.status_code == 200
    assert response.json()["active"] is False
    fresh = row(alice)
    assert (fresh.active, fresh.session_epoch) == (False, alice.session_epoch + 1)
    assert alice_client.get("/people").status_code == 302  # signed out
    # Still visible to GET and to filters.
    assert scim.get(f"/Users/{alice.pk}").json()["active"] is False
    found = scim.get('/Users?filter=userName eq "alice@acme.test"').json()
    assert [u["active"] for u in found["Resources"]] == [False]
    # And back.
    again = scim.patch(f"/Users/{alice.pk}", ops({"op": "Replace", "path": "active",
                                                  "value": "True"}))  # fmt: skip
    assert again.json()["active"] is True and row(alice).active is True


def test_entra_sets_and_removes_the_manager_with_a_bare_id(scim, jane, boss):
    path = f"{ENTERPRISE}:manager"
    response = scim.patch(f"/Users/{jane.pk}", ops({"op": "Add", "path": path,
                                                    "value": str(boss.pk)}))  # fmt: skip
    assert response.status_code == 200
    assert response.json()[ENTERPRISE] == {
        "manager": {"value": str(boss.pk), "$ref": f"{BASE}/Users/{boss.pk}",
                    "displayName": "Boss"},
    }  # fmt: skip
    assert row(jane).manager_id == boss.pk
    response = scim.patch(f"/Users/{jane.pk}", ops({"op": "Remove", "path": path}))
    assert response.status_code == 200
    assert ENTERPRISE not in response.json()
    assert row(jane).manager_id is None


def test_entra_adds_a_first_mobile_number(scim, jane):
    body = ops({"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value',
                "value": "+1 555 0100"})  # fmt: skip
    response = scim.patch(f"/Users/{jane.pk}", body)
    assert response.status_code == 200
    assert response.json()["phoneNumbers"] == [{"type": "mobile", "value": "+1 555 0100"}]
    assert row(jane).phone_numbers == [{"type": "mobile", "value": "+1 555 0100"}]


def test_aad_optscim062020_dialect_one_op_without_path(scim, jane):
    body = ops(
        {
            "op": "replace",
            "value": {
                "displayName": "Jane D.",
                "name.givenName": "Janet",
                f"{ENTERPRISE}:department": "Sales",
                'emails[type eq "work"].value': "janet@contoso.com",
                "active": False,
            },
        }
    )
    response = scim.patch(f"/Users/{jane.pk}?aadOptscim062020", body)
    assert response.status_code == 200
    fresh = row(jane)
    assert (fresh.display_name, fresh.name_given, fresh.department, fresh.email, fresh.active) == (
        "Jane D.", "Janet", "Sales", "janet@contoso.com", False,
    )  # fmt: skip
    assert response.json()["emails"] == [
        {"value": "janet@contoso.com", "type": "work", "primary": True}
    ]


def test_okta_no_path_replace(scim, jane):
    response = scim.patch(f"/Users/{jane.pk}", ops({"op": "replace", "value": {"active": False}}))
    assert response.status_code == 200
    assert row(jane).active is False


def test_remove_active_leaves_it_unassigned(scim, jane):
    response = scim.patch(f"/Users/{jane.pk}", ops({"op": "remove", "path": "active"}))
    assert response.status_code == 200
    assert "active" not in response.json()
    fresh = row(jane)
    assert fresh.active is None and not fresh.is_active


def test_a_bad_operation_changes_nothing_and_is_logged(scim, jane):
    body = ops(
        {"op": "Replace", "path": "title", "value": "Changed"},
        {"op": "Replace", "path": "id", "value": "00000000-0000-0000-0000-000000000000"},
    )
    response = scim.patch(f"/Users/{jane.pk}", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "mutability"
    fresh = row(jane)
    assert (fresh.title, fresh.version) == ("Engineer", 1)
    event = in_schema("acme", lambda: ProvisioningEvent.objects.get(method="PATCH"))
    assert (event.status, event.scim_type, event.resource_type, event.resource_id) == (
        400, "mutability", "User", str(jane.pk),
    )  # fmt: skip


def test_patch_to_a_taken_user_name_rolls_back_every_operation(scim, jane, boss):
    body = ops(
        {"op": "Replace", "path": "title", "value": "Changed"},
        {"op": "Replace", "path": "userName", "value": "BOSS@contoso.com"},
    )
    response = scim.patch(f"/Users/{jane.pk}", body)
    assert response.status_code == 409
    assert response.json() == error_body(409, "A user with this userName already exists.",
                                         "uniqueness")  # fmt: skip
    assert row(jane).title == "Engineer"


def test_patch_with_a_non_string_manager_is_400(scim, jane):
    body = ops({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": {"value": 7}})
    response = scim.patch(f"/Users/{jane.pk}", body)
    assert response.status_code == 400
    assert response.json() == error_body(
        400,
        f"Operation 1 (replace {ENTERPRISE}:manager): '{ENTERPRISE}:manager.value' must be a "
        "string, not a number.",
        "invalidValue",
    )
    assert (row(jane).manager_id, row(jane).manager_unresolved) == (None, None)


def test_patch_with_a_stale_etag_is_412(scim, jane):
    body = ops({"op": "Replace", "path": "title", "value": "X"})
    response = scim.patch(f"/Users/{jane.pk}", body, HTTP_IF_MATCH='W/"9"')
    assert response.status_code == 412
    assert row(jane).title == "Engineer"


def test_patch_that_changes_nothing_keeps_the_version(scim, jane):
    body = ops({"op": "Replace", "path": "title", "value": "Engineer"})
    response = scim.patch(f"/Users/{jane.pk}", body)
    assert response.status_code == 200
    assert response["ETag"] == 'W/"1"'


def test_patch_bodies_that_are_not_patch_ops(scim, jane):
    assert scim.patch(f"/Users/{jane.pk}", "{").json()["scimType"] == "invalidSyntax"
    response = scim.patch(f"/Users/{jane.pk}", {"schemas": [PATCH_OP], "Operations": []})
    assert response.status_code == 400
    assert scim.patch("/Users/not-an-id", ops({"op": "remove", "path": "title"})).status_code == 404
