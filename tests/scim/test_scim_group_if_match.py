"""If-Match on a PATCH that only adds and removes members (RFC 7644 §3.14): checked in the
same one-message statement that locks the group and changes its members."""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, User
from accounts.services import user_create
from tests.scim.conftest import PATCH_OP, error_body

pytestmark = pytest.mark.django_db
STALE = "The resource has changed since the given version (If-Match)."


@pytest.fixture
def team(acme) -> tuple[Group, User]:
    with schema_context("acme"):
        bob = user_create(actor=SYSTEM, user_name="bob@acme.test", source="scim")
        return Group.objects.create(display_name="Team"), bob


def add(user: User) -> dict:
    value = [{"value": str(user.pk)}]
    return {"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": value}]}


def members(group: Group) -> tuple[list, int]:
    with schema_context("acme"):
        fresh = Group.objects.get(pk=group.pk)
        return list(fresh.members.values_list("user_name", flat=True)), fresh.version


@pytest.mark.parametrize("header", ['W/"7"', '"7", W/"8"', "garbage"])
def test_a_stale_version_is_412_and_changes_nothing(scim, team, header):
    group, bob = team
    response = scim.patch(f"/Groups/{group.pk}", add(bob), HTTP_IF_MATCH=header)
    assert (response.status_code, response.json()) == (412, error_body(412, STALE))
    assert members(group) == ([], 1)


@pytest.mark.parametrize("header", ['W/"1"', '"1"', 'W/"5", W/"1"', "*"])
def test_a_matching_version_applies(scim, team, header):
    group, bob = team
    response = scim.patch(f"/Groups/{group.pk}", add(bob), HTTP_IF_MATCH=header)
    assert (response.status_code, response["ETag"]) == (204, 'W/"2"')
    assert members(group) == (["bob@acme.test"], 2)


def test_an_unknown_group_is_404_before_the_version(scim, team):
    _, bob = team
    missing = "00000000-0000-0000-0000-0000000000aa"
    response = scim.patch(f"/Groups/{missing}", add(bob), HTTP_IF_MATCH='W/"1"')
    assert (response.status_code, response.json()) == (
        404,
        error_body(404, f"Group {missing} not found."),
    )
