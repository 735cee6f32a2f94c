"""GET, PUT and DELETE on /Users/{id}: projection, ETags, replacement, deactivation, deletion."""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from tests.scim.conftest import ENTERPRISE, USER_SCHEMA, error_body, in_schema, meta

pytestmark = pytest.mark.django_db
BASE = "http://acme.looop.localhost/scim/v2"


@pytest.fixture
def ada(acme, alice) -> User:
    """A second admin, so that alice is not the last active admin (whom SCIM cannot remove)."""
    with schema_context("acme"):
        return user_create(actor=SYSTEM, user_name="ada@acme.test", role=User.Role.ADMIN)


@pytest.fixture
def bob(acme, alice) -> User:
    """A SCIM-provisioned user with a manager and a group."""
    with schema_context("acme"):
        User.objects.filter(pk=alice.pk).update(display_name="Alice")
        bob = user_create(
            actor=SYSTEM,
            user_name="bob@acme.test",
            email="bob@acme.test",
            source="scim",
            display_name="Bob",
            title="Engineer",
            department="R&D",
            manager=alice,
        )
        group = Group.objects.create(display_name="Engineers")
        Membership.objects.create(group=group, user=bob)
        bob.engineers = group
        return bob


def reload(user: User) -> User:
    return in_schema("acme", lambda: User.objects.get(pk=user.pk))


def bob_document(bob: User) -> dict:
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": str(bob.pk),
        "userName": "bob@acme.test",
        "displayName": "Bob",
        "title": "Engineer",
        "active": True,
        "emails": [{"value": "bob@acme.test", "type": "work", "primary": True}],
        "groups": [
            {
                "value": str(bob.engineers.pk),
                "$ref": f"{BASE}/Groups/{bob.engineers.pk}",
                "display": "Engineers",
                "type": "direct",
            }
        ],
        ENTERPRISE: {
            "department": "R&D",
            "manager": {
                "value": str(bob.manager_id),
                "$ref": f"{BASE}/Users/{bob.manager_id}",
                "displayName": "Alice",
            },
        },
        "meta": meta("User", reload(bob)),
    }


def test_get_returns_the_whole_document_with_groups_and_manager(scim, bob):
    response = scim.get(f"/Users/{bob.pk}")
    assert response.status_code == 200
    assert response.json() == bob_document(bob)
    assert response["ETag"] == 'W/"1"'


@pytest.mark.parametrize("user_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_id_is_scim_404(scim, user_id):
    response = scim.get(f"/Users/{user_id}")
    assert response.status_code == 404
    assert response.json() == error_body(404, f"User {user_id} not found.")


def test_attributes_and_excluded_attributes(scim, bob):
    path = f"/Users/{bob.pk}?attributes=userName,name.givenName,{ENTERPRISE}:department"
    assert scim.get(path).json() == {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": str(bob.pk),
        "userName": "bob@acme.test",
        ENTERPRISE: {"department": "R&D"},
    }
    core_title = "urn:ietf:params:scim:schemas:core:2.0:User:TITLE"
    path = f"/Users/{bob.pk}?attributes=emails.value,{core_title}"
    assert scim.get(path).json() == {
        "schemas": [USER_SCHEMA],
        "id": str(bob.pk),
        "title": "Engineer",
        "emails": [{"value": "bob@acme.test"}],
    }
    excluded = scim.get(f"/Users/{bob.pk}?excludedAttributes=groups,emails,{ENTERPRISE},meta,id")
    expected = bob_document(bob)
    for key in ("groups", "emails", ENTERPRISE, "meta"):
        del expected[key]
    expected["schemas"] = [USER_SCHEMA]
    assert excluded.json() == expected  # id is always returned


def test_if_none_match_gives_304(scim, bob):
    response = scim.get(f"/Users/{bob.pk}", HTTP_IF_NONE_MATCH='W/"1"')
    assert response.status_code == 304
    assert response.content == b""
    assert scim.get(f"/Users/{bob.pk}", HTTP_IF_NONE_MATCH='W/"0"').status_code == 200


def test_put_replaces_and_ignores_read_only_attributes(scim, bob):
    body = {
        "schemas": [USER_SCHEMA],
        "id": "11111111-1111-1111-1111-111111111111",
        "userName": "robert@acme.test",
        "nickName": "Rob",
        "groups": [{"value": "22222222-2222-2222-2222-222222222222"}],
        "meta": {"version": 'W/"99"', "created": "2000-01-01T00:00:00Z"},
    }
    response = scim.put(f"/Users/{bob.pk}", body)
    assert response.status_code == 200
    fresh = reload(bob)
    assert response.json() == {
        "schemas": [USER_SCHEMA],
        "id": str(bob.pk),
        "userName": "robert@acme.test",
        "nickName": "Rob",
        "active": True,  # absent means the default
        "groups": bob_document(bob)["groups"],  # read-only: unchanged
        "meta": meta("User", fresh),
    }
    assert response["ETag"] == 'W/"2"'
    assert (fresh.title, fresh.display_name, fresh.email, fresh.manager_id) == (None,) * 4
    assert fresh.emails == [] and fresh.department is None


def test_put_with_the_same_document_changes_nothing(scim, bob):
    document = bob_document(bob)
    response = scim.put(f"/Users/{bob.pk}", document)
    assert response.status_code == 200
    assert response.json() == document
    assert reload(bob).version == 1


def test_put_with_a_stale_if_match_is_412_and_changes_nothing(scim, bob):
    response = scim.put(f"/Users/{bob.pk}", {"userName": "new@acme.test"}, HTTP_IF_MATCH='W/"7"')
    assert response.status_code == 412
    assert response.json() == error_body(
        412, "The resource has changed since the given version (If-Match)."
    )
    assert reload(bob).user_name == "bob@acme.test"
    ok = scim.put(f"/Users/{bob.pk}", {"userName": "new@acme.test"}, HTTP_IF_MATCH='W/"1"')
    assert ok.status_code == 200
    assert ok["ETag"] == 'W/"2"'


def test_put_to_a_taken_user_name_is_409(scim, bob, alice):
    response = scim.put(f"/Users/{bob.pk}", {"userName": "ALICE@acme.test"})
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert reload(bob).user_name == "bob@acme.test"


def test_put_unknown_user_is_404(scim):
    response = scim.put("/Users/00000000-0000-0000-0000-000000000000", {"userName": "x@y"})
    assert response.status_code == 404


def test_deactivation_ends_sessions_and_keeps_the_user_visible(scim, alice, ada, alice_client):
    assert alice_client.get("/people").status_code == 200
    document = scim.get(f"/Users/{alice.pk}").json()
    response = scim.put(f"/Users/{alice.pk}", {**document, "active": "False"})
    assert response.status_code == 200
    assert response.json()["active"] is False
    fresh = reload(alice)
    assert fresh.active is False and fresh.session_epoch == alice.session_epoch + 1
    # The console session is over, and password sign-in is refused.
    assert alice_client.get("/people").status_code == 302
    # Still returned by GET and in lists.
    assert scim.get(f"/Users/{alice.pk}").json()["active"] is False
    listed = scim.get("/Users").json()["Resources"]
    assert [u["active"] for u in listed if u["id"] == str(alice.pk)] == [False]


def test_delete_is_a_soft_delete(scim, bob):
    response = scim.delete(f"/Users/{bob.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert scim.get(f"/Users/{bob.pk}").status_code == 404
    assert scim.delete(f"/Users/{bob.pk}").json() == error_body(404, f"User {bob.pk} not found.")
    fresh = reload(bob)
    assert fresh.deleted_at is not None and fresh.active is False
    assert in_schema("acme", Membership.objects.filter(user_id=bob.pk).count) == 0
    # The group lost a member: its version (ETag) moved on.
    assert scim.get(f"/Groups/{bob.engineers.pk}").json()["meta"]["version"] == 'W/"2"'
    assert all(u["id"] != str(bob.pk) for u in scim.get("/Users").json()["Resources"])
    # The userName is free again.
    assert scim.post("/Users", {"userName": "BOB@acme.test"}).status_code == 201


def test_deleting_a_manager_clears_the_reference(scim, bob, alice, ada):
    assert scim.delete(f"/Users/{alice.pk}").status_code == 204
    assert ENTERPRISE not in scim.get(f"/Users/{bob.pk}?attributes=manager").json()
    fresh = reload(bob)
    assert (fresh.manager_id, fresh.version) == (None, 2)


def test_delete_with_a_stale_if_match_is_412(scim, bob):
    response = scim.delete(f"/Users/{bob.pk}", HTTP_IF_MATCH='W/"5"')
    assert response.status_code == 412
    assert reload(bob).deleted_at is None
