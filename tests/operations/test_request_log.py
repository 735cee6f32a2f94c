"""One JSON line per request in production: request id, organisation, actor, route (the
URL pattern), method, status and duration; the request id is echoed in the response."""

import io
import json
import logging
import re
import uuid

import pytest
from django.http import HttpResponse
from django.test import Client

from looop.observability import JsonFormatter, ObservabilityMiddleware, TextFormatter
from tests.operations.conftest import Server


def lines_with(server: Server, request_id: str) -> list[dict]:
    lines = [line for line in server.log_lines() if request_id in line]
    return [json.loads(line) for line in lines]


def one_line(server: Server, request_id: str) -> dict:
    """The request's log line, with the fields that vary from run to run checked and removed."""
    [line] = lines_with(server, request_id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line.pop("time"))
    assert isinstance(line.pop("pid"), int)
    duration = line.pop("duration_ms")
    assert isinstance(duration, float) and 0 < duration < 30_000
    return line


def expected(request_id: str, **fields) -> dict:
    return {"level": "INFO", "logger": "looop.request", "message": "request",
            "request_id": request_id, **fields}  # fmt: skip


def test_a_scim_request_is_one_line_with_its_token_as_actor(ops_server, ops_org):
    request_id = f"entra-{uuid.uuid4()}"
    response = ops_server.request(
        f"/scim/v2/Users/{uuid.uuid4()}?attributes=userName", host=ops_org.host,
        Authorization=f"Bearer {ops_org.token}", **{"X-Request-ID": request_id},
    )  # fmt: skip
    assert response.status == 404
    assert response.headers["X-Request-ID"] == request_id
    assert one_line(ops_server, request_id) == expected(
        request_id, organisation=ops_org.slug, actor="scim-token:Entra ops", method="GET",
        route="scim/v2/Users/<resource_id>", status=404,
    )  # fmt: skip


def test_an_anonymous_request_on_the_public_host(ops_server):
    request_id = uuid.uuid4().hex
    response = ops_server.request("/find?q=alice@example.com", **{"X-Request-ID": request_id})
    assert response.status == 200
    line = one_line(ops_server, request_id)
    assert line == expected(
        request_id, organisation=None, actor="anonymous", method="GET", route="find", status=200
    )
    assert "alice@example.com" not in json.dumps(line)  # the path and query are not logged


def test_unknown_hosts_and_unmatched_paths(ops_server, ops_org):
    cases = [
        ("nobody.looop.localhost", "/people", None, 404),
        (ops_org.host, "/no/such/page", ops_org.slug, 404),
        (ops_org.host, "/scim/v2/NoSuchThing", ops_org.slug, 401),
    ]
    for host, path, organisation, status in cases:
        request_id = uuid.uuid4().hex
        response = ops_server.request(path, host=host, **{"X-Request-ID": request_id})
        assert response.status == status, path
        route = "scim/v2/*" if path.startswith("/scim") else "<unmatched>"
        assert one_line(ops_server, request_id) == expected(
            request_id, organisation=organisation, actor="anonymous", method="GET",
            route=route, status=status,
        ), path  # fmt: skip


@pytest.mark.parametrize("given", ["", "has space", "x" * 129, "new\\nline", "<script>", "ümlaut"])
def test_an_insane_request_id_is_replaced(ops_server, given):
    headers = {"X-Request-ID": given} if given else {}
    response = ops_server.request("/find", **headers)
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # a new random id
    assert one_line(ops_server, request_id)["route"] == "find"


def test_a_console_user_is_named_by_id(alice_client, alice, caplog):
    with caplog.at_level(logging.INFO, logger="looop.request"):
        response = alice_client.get("/people", HTTP_X_REQUEST_ID="console-1")
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "looop.request"]
    fields = dict(record.fields)
    assert fields.pop("duration_ms") > 0
    assert fields == {"request_id": "console-1", "organisation": "acme",
                      "actor": f"user:{alice.pk}", "method": "GET", "route": "people",
                      "status": 200}  # fmt: skip


def test_development_logs_are_readable_text(db, caplog):
    with caplog.at_level(logging.INFO, logger="looop.request"):
        Client(HTTP_HOST="looop.localhost").get("/find", HTTP_X_REQUEST_ID="dev-1")
    [record] = [r for r in caplog.records if r.name == "looop.request"]
    text = TextFormatter().format(record)
    assert re.fullmatch(
        r"INFO looop.request request request_id=dev-1 organisation=None actor=anonymous"
        r" method=GET route=find status=200 duration_ms=[\d.]+",
        text,
    )
    assert json.loads(JsonFormatter().format(record))["route"] == "find"


def test_log_lines_inside_a_request_carry_its_id(rf):
    def view(request):
        logging.getLogger("looop.scim").warning("inside")
        return HttpResponse("ok")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        response = ObservabilityMiddleware(view)(rf.get("/x", HTTP_X_REQUEST_ID="abc-1"))
        logging.getLogger("looop.scim").warning("after")
    finally:
        root.removeHandler(handler)
    assert response["X-Request-ID"] == "abc-1"
    inside, request, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (inside["message"], inside["request_id"]) == ("inside", "abc-1")
    assert (request["route"], request["request_id"], request["status"]) == (
        "<unmatched>", "abc-1", 200,
    )  # fmt: skip
    assert (after["message"], after["request_id"]) == ("after", None)
