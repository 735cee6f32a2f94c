"""Request and response media types, through DRF's parsers, renderers and negotiation."""

import json

import pytest

from accounts.models import User
from tests.scim.conftest import USER_SCHEMA, error_body, in_schema

pytestmark = pytest.mark.django_db


def test_a_body_without_content_type_is_read_as_scim_json(scim):
    body = json.dumps({"schemas": [USER_SCHEMA], "userName": "ann@acme.test"})
    response = scim.client.generic("POST", "/scim/v2/Users", body, content_type="")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/scim+json"
    assert in_schema("acme", lambda: User.objects.filter(user_name="ann@acme.test").count()) == 1


def test_content_type_parameters_are_accepted(scim):
    body = json.dumps({"userName": "ann@acme.test"})
    response = scim.client.post(
        "/scim/v2/Users", body, content_type="application/scim+json; charset=utf-8"
    )
    assert response.status_code == 201


def test_form_bodies_are_415_and_create_nothing(scim):
    response = scim.client.post(
        "/scim/v2/Users", "userName=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json() == error_body(
        415, "Send JSON (application/scim+json), not 'application/x-www-form-urlencoded'."
    )
    assert in_schema("acme", User.objects.count) == 1


def test_plain_json_only_when_asked_for_alone(scim):
    assert scim.get("/Users", HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"
    for accept in ("application/scim+json", "application/json, */*", "text/html", ""):
        response = scim.get("/Users", HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/scim+json", accept


def test_pages_rendered_by_postgresql_pass_through_the_renderer(scim):
    """A page of whole documents is JSON text already; both media types carry it as is."""
    scim_page = scim.get("/Users")
    plain_page = scim.get("/Users", HTTP_ACCEPT="application/json")
    assert scim_page.content == plain_page.content
    assert json.loads(scim_page.content)["totalResults"] == 1


def test_missing_and_bad_tokens_are_401_with_a_challenge(acme):
    from tests.scim.conftest import ScimClient

    missing = ScimClient("acme", None).get("/Users")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="SCIM"'
    assert missing.json() == error_body(
        401, "Authentication required: send 'Authorization: Bearer <token>'."
    )
    wrong = ScimClient("acme", "looop_scim_wrong").get("/Users")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == 'Bearer realm="SCIM", error="invalid_token"'
    assert wrong.json() == error_body(401, "The token is invalid, revoked or expired.")
