"""The request body kept with each provisioning event: secrets removed, size capped."""

import json

import pytest
from django_tenants.utils import schema_context

from scim.event_body import BODY_MAX_CHARS, REMOVED, TRUNCATED, body_for_log, redact
from scim.models import ProvisioningEvent
from tests.scim.conftest import PATCH_OP

pytestmark = pytest.mark.django_db
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def bodies() -> list[tuple[str, int, str]]:
    with schema_context("acme"):
        return list(ProvisioningEvent.objects.order_by("at", "id").values_list(
            "method", "status", "body"))  # fmt: skip


def test_redact_removes_passwords_in_attributes_and_patch_operations():
    body = {
        "userName": "sam@acme.test",
        "password": "hunter2",
        "urn:example:ext": {"apiToken": "t0k3n", "level": 3},
        "Operations": [
            {"op": "Replace", "path": "password", "value": "s3cret"},
            {"op": "replace", "value": {"password": "again", "displayName": "Sam"}},
            {"op": "Add", "path": "displayName", "value": "Sam S"},
        ],
    }
    assert redact(body) == {
        "userName": "sam@acme.test",
        "password": REMOVED,
        "urn:example:ext": {"apiToken": REMOVED, "level": 3},
        "Operations": [
            {"op": "Replace", "path": "password", "value": REMOVED},
            {"op": "replace", "value": {"password": REMOVED, "displayName": "Sam"}},
            {"op": "Add", "path": "displayName", "value": "Sam S"},
        ],
    }


def test_a_long_body_is_cut_at_the_cap_and_an_empty_one_is_not_kept():
    text = body_for_log({"userName": "x" * 10_000})
    assert len(text) == BODY_MAX_CHARS
    assert text.endswith(TRUNCATED)
    assert body_for_log({}) == ""
    assert body_for_log(None) == ""


def test_scim_writes_keep_their_body_without_the_password(scim):
    created = scim.post(
        "/Users", {"schemas": [USER], "userName": "kept@acme.test", "password": "Pa55word!x"}
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    patch = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "password", "value": "N3wPa55word!"}]}  # fmt: skip
    # Looop keeps no SCIM passwords, so this PATCH is refused; its body is logged all the same.
    assert scim.patch(f"/Users/{user_id}", patch).status_code == 400
    assert scim.get(f"/Users/{user_id}").status_code == 200
    logged = bodies()
    assert [(m, s) for m, s, _ in logged] == [("POST", 201), ("PATCH", 400), ("GET", 200)]
    assert json.loads(logged[0][2]) == {
        "schemas": [USER], "userName": "kept@acme.test", "password": REMOVED,
    }  # fmt: skip
    assert json.loads(logged[1][2]) == {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "password", "value": REMOVED}]}  # fmt: skip
    assert logged[2][2] == ""  # a GET has no body
    assert not any("Pa55word" in body for _, _, body in logged)


def test_a_body_that_is_not_json_is_not_kept(scim):
    response = scim.post("/Users", "{not json")
    assert response.status_code == 400
    assert bodies()[-1] == ("POST", 400, "")
