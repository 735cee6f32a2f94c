"""sortBy (RFC 7644 §3.4.2.3): which column each attribute sorts by, and refusals."""

import pytest
from django.db.models import F
from django.db.models.functions import Lower
from django_tenants.utils import schema_context

from accounts.selectors import users_live
from scim.errors import ScimError
from scim.filters import sort_field
from tests.scim.filters_support import people_create

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.parametrize(
    ("sort_by", "resource", "expected"),
    [
        ("userName", "User", Lower("user_name")),
        ("USERNAME", "User", Lower("user_name")),
        (" userName ", "User", Lower("user_name")),
        ("urn:ietf:params:scim:schemas:core:2.0:User:userName", "User", Lower("user_name")),
        ("name.givenName", "User", Lower("name_given")),
        ("emails", "User", Lower("email")),
        ("emails.value", "User", Lower("email")),
        ("externalId", "User", "external_id"),
        ("id", "User", "id"),
        ("active", "User", "active"),
        ("meta.created", "User", "created"),
        ("meta.lastModified", "User", "last_modified"),
        (f"{ENTERPRISE}:department", "User", Lower("department")),
        (f"{ENTERPRISE}:manager", "User", "manager_id"),
        ("manager.value", "User", "manager_id"),
        ("displayName", "Group", Lower("display_name")),
        ("externalId", "Group", "external_id"),
        ("meta.lastModified", "Group", "last_modified"),
    ],
)
def test_sort_field(sort_by, resource, expected):
    assert sort_field(sort_by, resource) == expected


def invalid_value(detail: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": "invalidValue",
        "detail": detail,
    }


NOT_ONE = "sortBy must name one attribute, such as userName; got '{}'."
UNKNOWN = "Cannot sort by '{0}': Unknown attribute '{0}' for {1} resources."


@pytest.mark.parametrize(
    ("sort_by", "resource", "detail"),
    [
        ("nonsense", "User", UNKNOWN.format("nonsense", "User")),
        ("userName", "Group", UNKNOWN.format("userName", "Group")),
        ("emails.type", "User", "Cannot sort by 'emails.type'."),
        ("phoneNumbers", "User", "Cannot sort by 'phoneNumbers'."),
        ("name", "User", "Cannot sort by 'name'."),
        ("groups", "User", "Cannot sort by 'groups'."),
        ("members", "Group", "Cannot sort by 'members'."),
        ("", "User", NOT_ONE.format("")),
        ("userName pr", "User", NOT_ONE.format("userName pr")),
        ('emails[type eq "work"].value', "User", NOT_ONE.format('emails[type eq "work"].value')),
        ("user name", "User", NOT_ONE.format("user name")),
        ('userName"', "User", NOT_ONE.format('userName"')),
    ],
)
def test_sort_field_refused(sort_by, resource, detail):
    with pytest.raises(ScimError) as caught:
        sort_field(sort_by, resource)
    assert caught.value.body() == invalid_value(detail)


def test_sorting_by_user_name_ignores_case(acme):
    people_create()
    with schema_context("acme"):
        field = sort_field("userName", "User")
        order = F(field) if isinstance(field, str) else field
        names = list(users_live().order_by(order.asc(), "id").values_list("user_name", flat=True))
    assert names == [
        "100%_sure@acme.test",
        "alice@acme.test",
        "bjensen@acme.test",
        "jsmith@acme.test",
        "Émile@acme.test",
    ]
