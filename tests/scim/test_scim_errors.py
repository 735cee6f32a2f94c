"""Errors: every failure is a SCIM error body with the right status and scimType."""

import os
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from tests.conftest import ROOT, free_port
from tests.scim.conftest import USER_SCHEMA, error_body, in_schema

pytestmark = pytest.mark.django_db


def test_malformed_json_is_invalid_syntax(scim):
    response = scim.post("/Users", '{"userName": "x@acme.test",')
    assert response.status_code == 400
    assert response.json() == error_body(400, "The request body is not valid JSON.",
                                         "invalidSyntax")  # fmt: skip
    # The body is read before the user is looked up: a bad body is 400 even for an unknown id.
    response = scim.patch("/Users/00000000-0000-0000-0000-000000000000", "")
    assert response.status_code == 400
    assert response.json() == error_body(400, "The request body is not valid JSON.",
                                         "invalidSyntax")  # fmt: skip


def test_empty_body_is_invalid_syntax(scim):
    response = scim.post("/Users", "")
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"


def test_body_over_the_limit_is_413(scim):
    big = {"userName": "big@acme.test", "title": "x" * (settings.SCIM_MAX_BODY_BYTES + 1)}
    response = scim.post("/Users", big)
    assert response.status_code == 413
    assert response.json() == error_body(
        413, f"The request body is larger than {settings.SCIM_MAX_BODY_BYTES} bytes."
    )
    assert not in_schema("acme", User.objects.filter(user_name="big@acme.test").exists)


def test_configured_limit(scim, settings):
    settings.SCIM_MAX_BODY_BYTES = 100
    response = scim.post("/Users", {"userName": "a@acme.test", "displayName": "y" * 100})
    assert response.status_code == 413
    assert scim.post("/Users", {"userName": "a@acme.test"}).status_code == 201


def test_other_content_types_are_415(scim):
    response = scim.client.post("/scim/v2/Users", "userName=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json() == error_body(
        415, "Send JSON (application/scim+json), not 'text/plain'."
    )
    plain_json = scim.client.post(
        "/scim/v2/Users", {"userName": "j@acme.test"}, content_type="application/json"
    )
    assert plain_json.status_code == 201


def test_unsupported_method_is_405_with_allow(scim):
    response = scim.delete("/Users")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD"
    assert response.json() == error_body(405, "DELETE is not supported on this endpoint.")


def test_database_error_is_503_with_retry_after(scim, acme_token):
    """A table locked by another session until our lock timeout: the database refuses."""
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db.get("PASSWORD") or None,
        host=db["HOST"], port=db["PORT"], autocommit=False,
    )  # fmt: skip
    try:
        other.execute('LOCK TABLE "acme"."accounts_user" IN ACCESS EXCLUSIVE MODE')
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '100ms'")
        response = scim.get("/Users")
    finally:
        other.rollback()
        other.close()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    # A lock not granted within lock_timeout is a budget running out (looop/db/budgets.py).
    assert response.json() == error_body(
        503, "The service is busy and could not finish in time; retry later."
    )
    assert b"Traceback" not in response.content


def test_database_outage_before_routing_is_503_not_500(live_app, django_db_blocker):
    """A server whose database is unreachable: the tenant lookup itself fails."""
    port, dead_db = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": f"postgres://nobody@127.0.0.1:{dead_db}/none",
           "LOOOP_SECURE": "0", "DB_CONN_MAX_AGE": "0"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "looop.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        conn = HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/scim/v2/Users", headers={
            "Host": "acme.looop.localhost", "Authorization": "Bearer looop_scim_x"})  # fmt: skip
        response = conn.getresponse()
        body = response.read()
    finally:
        process.terminate()
        process.wait(10)
    assert response.status == 503
    assert response.getheader("Retry-After") == "5"
    assert response.getheader("Content-Type") == "application/scim+json"
    assert b'"scimType"' not in body and b"temporarily unavailable" in body


def test_never_a_traceback_on_odd_input(scim):
    for body in ([], 1, "null", {"userName": {"a": 1}}, {"emails": [[]]}):
        response = scim.post("/Users", body)
        assert response.status_code == 400, body
        assert response["Content-Type"] == "application/scim+json"
    assert scim.get("/Users?filter=" + "(" * 300).status_code == 400
    assert scim.get("/Users/%00").status_code == 404
    # PostgreSQL text cannot hold NUL: refused where it enters, naming the field, and
    # nothing is stored (looop/input_limits.py).
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == error_body(
        400, "'userName' contains a NUL character, which is not allowed.", "invalidValue"
    )
    assert in_schema("acme", lambda: list(User.objects.values_list("user_name", flat=True))) == [
        "alice@acme.test"
    ]
