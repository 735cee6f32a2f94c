"""The enterprise `manager`: a user here is linked; any other value is kept as sent.

Entra creates users in any order, and Microsoft's reference SCIM service stores a manager
value it cannot resolve instead of refusing the whole user; Looop does the same.
"""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create
from tests.scim.conftest import ENTERPRISE, PATCH_OP, USER_SCHEMA, in_schema, meta

pytestmark = pytest.mark.django_db
BASE = "http://acme.looop.localhost/scim/v2"
UNKNOWN_ID = "00000000-0000-0000-0000-000000000001"


def ops(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def row(user_name: str) -> User:
    return in_schema("acme", lambda: User.objects.get(user_name=user_name, deleted_at=None))


@pytest.fixture
def boss(acme) -> User:
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM, user_name="boss@acme.test", source="scim", display_name="Boss"
        )


def test_create_with_an_unknown_manager_keeps_the_value(scim):
    body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ann@acme.test",
            ENTERPRISE: {"department": "R&D", "manager": UNKNOWN_ID}}  # fmt: skip
    response = scim.post("/Users", body)
    assert response.status_code == 201
    user = row("ann@acme.test")
    expected = {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": str(user.pk),
        "userName": "ann@acme.test",
        "active": True,
        ENTERPRISE: {"department": "R&D", "manager": {"value": UNKNOWN_ID}},
        "meta": meta("User", user),
    }
    assert response.json() == expected
    assert scim.get(f"/Users/{user.pk}").json() == expected
    assert (user.manager_id, user.manager_unresolved) == (None, UNKNOWN_ID)


@pytest.mark.parametrize("sent", ["not-an-id", {"value": "CN=Boss,OU=Staff"}])
def test_a_value_that_is_not_an_id_is_kept_as_sent(scim, sent):
    body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ann@acme.test",
            ENTERPRISE: {"manager": sent}}  # fmt: skip
    response = scim.post("/Users", body)
    assert response.status_code == 201
    value = sent["value"] if isinstance(sent, dict) else sent
    assert response.json()[ENTERPRISE] == {"manager": {"value": value}}
    assert row("ann@acme.test").manager_unresolved == value


def test_a_known_manager_is_linked(scim, boss):
    body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ann@acme.test",
            ENTERPRISE: {"manager": str(boss.pk)}}  # fmt: skip
    response = scim.post("/Users", body)
    assert response.status_code == 201
    assert response.json()[ENTERPRISE] == {
        "manager": {"value": str(boss.pk), "$ref": f"{BASE}/Users/{boss.pk}", "displayName": "Boss"}
    }
    user = row("ann@acme.test")
    assert (user.manager_id, user.manager_unresolved) == (boss.pk, None)


def test_patch_resolves_once_the_manager_is_a_user_here(scim, boss):
    """Entra sends the manager again once it has provisioned them: then it is linked."""
    created = scim.post("/Users", {"userName": "ann@acme.test", ENTERPRISE: {"manager": "later"}})
    user_id = created.json()["id"]
    patch = ops({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": str(boss.pk)})
    response = scim.patch(f"/Users/{user_id}", patch)
    assert response.status_code == 200
    assert response.json()[ENTERPRISE] == {
        "manager": {"value": str(boss.pk), "$ref": f"{BASE}/Users/{boss.pk}", "displayName": "Boss"}
    }
    user = row("ann@acme.test")
    assert (user.manager_id, user.manager_unresolved, user.version) == (boss.pk, None, 2)


def test_patch_to_an_unknown_manager_and_back_to_none(scim, boss):
    created = scim.post(
        "/Users", {"userName": "ann@acme.test", ENTERPRISE: {"manager": str(boss.pk)}}
    )
    user_id = created.json()["id"]
    to_unknown = ops({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": UNKNOWN_ID})
    response = scim.patch(f"/Users/{user_id}", to_unknown)
    assert response.status_code == 200
    assert response.json()[ENTERPRISE] == {"manager": {"value": UNKNOWN_ID}}
    assert (row("ann@acme.test").manager_id, row("ann@acme.test").version) == (None, 2)
    # The same PATCH again (Entra retries) changes nothing, not even the version.
    assert scim.patch(f"/Users/{user_id}", to_unknown).status_code == 200
    assert row("ann@acme.test").version == 2
    removed = scim.patch(
        f"/Users/{user_id}", ops({"op": "Remove", "path": f"{ENTERPRISE}:manager"})
    )
    assert removed.status_code == 200
    assert ENTERPRISE not in removed.json()
    user = row("ann@acme.test")
    assert (user.manager_id, user.manager_unresolved, user.version) == (None, None, 3)


def test_filters_match_the_value_as_stored(scim, boss):
    linked = scim.post("/Users", {"userName": "a@acme.test", ENTERPRISE: {"manager": str(boss.pk)}})
    unknown = scim.post("/Users", {"userName": "b@acme.test", ENTERPRISE: {"manager": UNKNOWN_ID}})
    text = scim.post("/Users", {"userName": "c@acme.test", ENTERPRISE: {"manager": "Boss-7"}})
    ids = {r.json()["userName"]: r.json()["id"] for r in (linked, unknown, text)}

    def found(expression: str) -> list[str]:
        page = scim.get("/Users", data={"filter": expression, "sortBy": "userName"})
        assert page.status_code == 200, page.json()
        return [resource["userName"] for resource in page.json()["Resources"]]

    assert found(f'manager.value eq "{boss.pk}"') == ["a@acme.test"]
    assert found(f'manager eq "{UNKNOWN_ID}"') == ["b@acme.test"]
    assert found('manager.value eq "Boss-7"') == ["c@acme.test"]
    assert found('manager.value sw "boss"') == []  # ids compare exactly
    assert found("manager pr") == ["a@acme.test", "b@acme.test", "c@acme.test"]
    assert found("not (manager pr)") == ["alice@acme.test", "boss@acme.test"]
    assert found('manager.displayName eq "Boss"') == ["a@acme.test"]
    # Unassigned is not equal: alice, the founding admin, has no manager.
    assert found(f'manager.value ne "{UNKNOWN_ID}" and userName ne "boss@acme.test"') == [
        "a@acme.test",
        "alice@acme.test",
        "c@acme.test",
    ]
    assert sorted(ids) == ["a@acme.test", "b@acme.test", "c@acme.test"]


def test_pages_render_both_kinds_as_documents_by_id_do(scim, boss):
    """Pages of whole documents are rendered by PostgreSQL (scim/user_json.py)."""
    scim.post("/Users", {"userName": "a@acme.test", ENTERPRISE: {"manager": str(boss.pk)}})
    scim.post("/Users", {"userName": "b@acme.test", ENTERPRISE: {"manager": "Boss-7"}})
    page = scim.get("/Users?count=10").json()
    assert page["totalResults"] == 4  # with the founding admin
    for document in page["Resources"]:
        assert scim.get(f"/Users/{document['id']}").json() == document


def test_deleting_the_manager_unlinks_the_reports(scim, boss):
    created = scim.post(
        "/Users", {"userName": "a@acme.test", ENTERPRISE: {"manager": str(boss.pk)}}
    )
    assert scim.delete(f"/Users/{boss.pk}").status_code == 204
    document = scim.get(f"/Users/{created.json()['id']}").json()
    assert ENTERPRISE not in document
    assert document["schemas"] == [USER_SCHEMA]
