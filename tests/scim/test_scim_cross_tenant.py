"""Cross-tenant: a token, id or filter of one organisation never sees or touches another's."""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from scim.models import ProvisioningEvent, RejectedRequestCount
from tests.scim.conftest import PATCH_OP, ScimClient, in_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def globex_people(globex, gina):
    with schema_context("globex"):
        george = user_create(actor=SYSTEM, user_name="george@globex.test",
                             email="george@globex.test", source="scim",
                             external_id="ext-g")  # fmt: skip
        group = Group.objects.create(display_name="Globex Team")
        Membership.objects.create(group=group, user=george)
    return george, group


def test_acme_token_on_globex_host_is_401(acme_token, globex):
    response = ScimClient("globex", acme_token).get("/Users")
    assert response.status_code == 401
    # The refusal is counted in globex's schema (not logged as an event), nothing in acme's.
    counted = in_schema("globex", lambda: list(RejectedRequestCount.objects.values_list(
        "reason", "count")))  # fmt: skip
    assert counted == [("invalid", 1)]
    assert in_schema("globex", ProvisioningEvent.objects.count) == 0
    assert in_schema("acme", RejectedRequestCount.objects.count) == 0
    assert in_schema("acme", ProvisioningEvent.objects.count) == 0


def test_globex_ids_are_not_found_from_acme(scim, globex_people):
    george, group = globex_people
    for path in (f"/Users/{george.pk}", f"/Groups/{group.pk}"):
        assert scim.get(path).status_code == 404
        assert scim.put(path, {"userName": "x@acme.test", "displayName": "x"}).status_code == 404
        body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName",
                                                      "value": "Hacked"}]}  # fmt: skip
        assert scim.patch(path, body).status_code == 404
        assert scim.delete(path).status_code == 404
    with schema_context("globex"):
        assert User.objects.get(pk=george.pk).deleted_at is None
        assert Group.objects.get(pk=group.pk).display_name == "Globex Team"


def test_filters_and_lists_never_return_globex(scim, globex_people):
    george, group = globex_people
    for query in (
        'userName eq "george@globex.test"',
        'externalId eq "ext-g"',
        'emails[type eq "work"].value eq "george@globex.test"',
        f'id eq "{george.pk}"',
    ):
        body = scim.get(f"/Users?filter={query}").json()
        assert (body["totalResults"], body["Resources"]) == (0, []), query
    assert scim.get('/Groups?filter=displayName eq "Globex Team"').json()["totalResults"] == 0
    listed = scim.get("/Users").json()["Resources"]
    assert [u["userName"] for u in listed] == ["alice@acme.test"]
    everything = scim.post("/.search", {}).json()["Resources"]
    assert str(george.pk) not in {r["id"] for r in everything}


def test_acme_cannot_add_globex_users_to_its_groups(scim, globex_people):
    george, _ = globex_people
    created = scim.post("/Groups", {"displayName": "Acme", "members": [{"value": str(george.pk)}]})
    assert created.status_code == 400
    group = scim.post("/Groups", {"displayName": "Acme"}).json()
    body = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": str(george.pk)}]}]}  # fmt: skip
    assert scim.patch(f"/Groups/{group['id']}", body).status_code == 400
    assert in_schema("acme", Membership.objects.count) == 0


def test_same_user_name_in_both_organisations_is_fine(scim, globex_scim, globex_people):
    assert scim.post("/Users", {"userName": "george@globex.test"}).status_code == 201
    assert globex_scim.post("/Users", {"userName": "GEORGE@globex.test"}).status_code == 409


def test_a_globex_manager_is_never_linked_from_acme(scim, globex_people):
    """Globex's user id names no user in acme: kept as sent, never resolved across tenants."""
    george, _ = globex_people
    body = {
        "userName": "n@acme.test",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": str(george.pk)},
    }
    response = scim.post("/Users", body)
    assert response.status_code == 201
    assert response.json()["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] == {
        "manager": {"value": str(george.pk)}
    }
    created = in_schema("acme", lambda: User.objects.get(user_name="n@acme.test"))
    assert (created.manager_id, created.manager_unresolved) == (None, str(george.pk))
