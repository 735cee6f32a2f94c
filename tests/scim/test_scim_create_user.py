"""POST /Users: Entra's create cycle, stored as sent, uniqueness enforced by the database."""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create, user_delete
from tests.scim.conftest import ENTERPRISE, USER_SCHEMA, error_body, in_schema, meta

pytestmark = pytest.mark.django_db

# The body Microsoft Entra ID sends to create a user (Entra's SCIM validator request).
ENTRA_CREATE = {
    "schemas": [USER_SCHEMA, ENTERPRISE],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
    "active": True,
    "emails": [
        {
            "primary": True,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com",
        }
    ],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
}


def live_user(user_name: str) -> User:
    return in_schema("acme", lambda: User.objects.get(user_name=user_name, deleted_at=None))


def test_entra_create_returns_the_whole_document(scim):
    response = scim.post("/Users", ENTRA_CREATE)
    assert response.status_code == 201
    user = live_user(ENTRA_CREATE["userName"])
    expected = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName",
        },
        "active": True,
        "emails": ENTRA_CREATE["emails"],
        "meta": meta("User", user),
    }
    assert response.json() == expected
    assert response["Location"] == expected["meta"]["location"]
    assert response["ETag"] == 'W/"1"'
    assert scim.get(f"/Users/{user.pk}").json() == expected
    # Database state: a SCIM-sourced member, primary email in its column, no password.
    assert (user.source, user.role, user.active, user.version) == ("scim", "member", True, 1)
    assert user.email == "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
    assert user.emails == ENTRA_CREATE["emails"]
    assert (user.name_given, user.name_family) == ("givenName", "familyName")
    assert not user.has_usable_password()


def full_body(manager_id: str | None = None) -> dict:
    body = {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": "ext-42",
        "userName": "Jane.Doe@Acme.test",
        "name": {
            "formatted": "Ms. Jane Q Doe III",
            "familyName": "Doe",
            "givenName": "Jane",
            "middleName": "Q",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III",
        },
        "displayName": "Jane Doe",
        "nickName": "JD",
        "profileUrl": "https://acme.test/jane",
        "title": "Engineer",
        "userType": "Employee",
        "preferredLanguage": "en-GB",
        "locale": "en-GB",
        "timezone": "Europe/London",
        "active": True,
        "emails": [
            {"value": "jane@home.test", "type": "home", "primary": False},
            {"value": "jane@acme.test", "type": "work", "primary": True, "display": "Jane"},
        ],
        "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work", "primary": True}],
        "addresses": [
            {
                "streetAddress": "1 Main St",
                "locality": "London",
                "region": "Greater London",
                "postalCode": "N1 9GU",
                "country": "GB",
                "formatted": "1 Main St, London N1 9GU",
                "type": "work",
                "primary": True,
            }
        ],
        ENTERPRISE: {
            "employeeNumber": "42",
            "costCenter": "CC-1",
            "organization": "Acme",
            "division": "Engineering",
            "department": "R&D",
        },
    }
    if manager_id:
        body[ENTERPRISE]["manager"] = manager_id
    return body


def test_every_attribute_is_stored_and_returned_as_sent(scim, alice):
    with schema_context("acme"):
        User.objects.filter(pk=alice.pk).update(display_name="Alice Admin")
    body = full_body(manager_id=str(alice.pk))  # Entra sends the manager as a bare id
    response = scim.post("/Users", body)
    assert response.status_code == 201
    user = live_user("Jane.Doe@Acme.test")
    expected = {key: value for key, value in body.items()}
    expected[ENTERPRISE] = {
        **body[ENTERPRISE],
        "manager": {
            "value": str(alice.pk),
            "$ref": f"http://acme.looop.localhost/scim/v2/Users/{alice.pk}",
            "displayName": "Alice Admin",
        },
    }
    expected["id"] = str(user.pk)
    expected["meta"] = meta("User", user)
    assert response.json() == expected
    assert scim.get(f"/Users/{user.pk}").json() == expected
    assert user.email == "jane@acme.test"  # the primary one
    assert user.manager_id == alice.pk
    assert (user.department, user.employee_number, user.cost_center) == ("R&D", "42", "CC-1")


def test_manager_as_an_object_and_unknown_attributes_are_ignored(scim, alice):
    body = {
        "schemas": [USER_SCHEMA, ENTERPRISE, "urn:example:custom"],
        "userName": "bob@acme.test",
        "password": "not stored",
        "x509Certificates": [{"value": "MIIC"}],
        "urn:example:custom": {"shoeSize": 44},
        ENTERPRISE: {"manager": {"value": str(alice.pk)}},
    }
    response = scim.post("/Users", body)
    assert response.status_code == 201
    user = live_user("bob@acme.test")
    assert response.json() == {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "id": str(user.pk),
        "userName": "bob@acme.test",
        "active": True,
        ENTERPRISE: {
            "manager": {
                "value": str(alice.pk),
                "$ref": f"http://acme.looop.localhost/scim/v2/Users/{alice.pk}",
            }
        },
        "meta": meta("User", user),
    }
    assert not user.has_usable_password()


@pytest.mark.parametrize(("sent", "stored"), [("True", True), ("False", False), ("false", False)])
def test_active_as_a_string(scim, sent, stored):
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "s@acme.test",
                                    "active": sent})  # fmt: skip
    assert response.status_code == 201
    assert response.json()["active"] is stored
    assert live_user("s@acme.test").active is stored


def test_duplicate_user_name_is_409_whatever_the_case(scim):
    assert scim.post("/Users", {"userName": "Dup@Acme.test"}).status_code == 201
    response = scim.post("/Users", {"userName": "dup@ACME.TEST", "externalId": "other"})
    assert response.status_code == 409
    assert response.json() == error_body(
        409, "A user with this userName already exists.", "uniqueness"
    )
    count = in_schema(
        "acme", lambda: User.objects.filter(user_name__iexact="dup@acme.test").count()
    )
    assert count == 1


def test_user_name_of_a_deleted_user_is_free_again(scim):
    with schema_context("acme"):
        old = user_create(actor=SYSTEM, user_name="gone@acme.test", source="scim")
        user_delete(user=old, actor=SYSTEM)
    response = scim.post("/Users", {"userName": "gone@acme.test"})
    assert response.status_code == 201
    assert response.json()["id"] != str(old.pk)
    with schema_context("acme"):
        assert User.objects.filter(user_name="gone@acme.test").count() == 2


@pytest.mark.parametrize(
    ("body", "detail", "scim_type"),
    [
        ({"schemas": [USER_SCHEMA]}, "'userName' is required.", "invalidValue"),
        ({"userName": "   "}, "'userName' is required.", "invalidValue"),
        ({"userName": 42}, "'userName' must be a string.", "invalidValue"),
        ({"userName": "a@x", "active": "maybe"}, "'active' must be a boolean.", "invalidValue"),
        ({"userName": "a@x", "title": ["x"]}, "'title' must be a string.", "invalidValue"),
        ({"userName": "a@x", "name": "Jane"}, "'name' must be an object.", "invalidValue"),
        ({"userName": "a@x", "emails": "a@x"}, "'emails' must be a list.", "invalidValue"),
        ({"userName": "a@x", "emails": ["a@x"]}, "'emails[0]' must be an object.", "invalidValue"),
        (
            {"userName": "a@x", "emails": [{"value": "a@x", "primary": True},
                                           {"value": "b@x", "primary": True}]},
            "Only one of 'emails' may be primary.",
            "invalidValue",
        ),
        ({"userName": "a" * 256}, "'userName' is longer than 255 characters.", "invalidValue"),
        (
            {"userName": "a@x", ENTERPRISE: {"manager": 7}},
            f"'{ENTERPRISE}:manager' must be a string.",
            "invalidValue",
        ),
        (
            {"userName": "a@x", ENTERPRISE: {"manager": {"value": "m" * 256}}},
            f"'{ENTERPRISE}:manager.value' is longer than 255 characters.",
            "invalidValue",
        ),
        ([{"userName": "a@x"}], "The request body must be a JSON object.", "invalidSyntax"),
    ],
)  # fmt: skip
def test_bad_documents_are_400_and_create_nothing(scim, body, detail, scim_type):
    before = in_schema("acme", User.objects.count)
    response = scim.post("/Users", body)
    assert response.status_code == 400
    assert response.json() == error_body(400, detail, scim_type)
    assert in_schema("acme", User.objects.count) == before


def test_post_to_a_user_is_not_allowed(scim, alice):
    response = scim.post(f"/Users/{alice.pk}", {"userName": "x@acme.test"})
    assert response.status_code == 405
    assert response.json() == error_body(405, "POST is not supported on this endpoint.")


def test_attributes_parameter_applies_to_the_created_resource(scim):
    response = scim.post("/Users?attributes=userName", {"userName": "p@acme.test", "title": "T"})
    assert response.status_code == 201
    user = live_user("p@acme.test")
    assert response.json() == {"schemas": [USER_SCHEMA], "id": str(user.pk),
                               "userName": "p@acme.test"}  # fmt: skip
