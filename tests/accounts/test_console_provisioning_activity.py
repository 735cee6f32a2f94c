"""Account > Provisioning activity: who each event touched, the request and error it opens
to, filters by status class, method and resource, and the CSV export."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Group, User
from scim.models import ProvisioningEvent
from tests.accounts.console_support import bob, bob_client  # noqa: F401

pytestmark = pytest.mark.django_db


def event(status: int = 200, *, minutes_ago: float = 1, slug: str = "acme", **fields) -> int:
    fields.setdefault("method", "GET")
    fields.setdefault("path", "/scim/v2/Users")
    with schema_context(slug):
        return ProvisioningEvent.objects.create(
            at=timezone.now() - timedelta(minutes=minutes_ago), status=status,
            duration_ms=2.0, **fields,
        ).pk  # fmt: skip


def people_and_group() -> tuple[User, User, Group]:
    with schema_context("acme"):
        sam = User.objects.create(
            user_name="sam@acme.test", name_given="Sam", name_family="Scott", source="scim"
        )
        gone = User.objects.create(user_name="gone@acme.test", deleted_at=timezone.now())
        sales = Group.objects.create(display_name="Sales")
    return sam, gone, sales


def touched(response) -> list[tuple[str, str]]:
    return [
        (row.target.label, row.target.url) if row.target else ("", "")
        for row in response.context["activity"]
    ]


def test_rows_name_the_person_or_group_with_a_link(alice_client):
    sam, gone, sales = people_and_group()
    event(201, minutes_ago=4, method="POST", resource_type="User", resource_id=str(sam.pk))
    event(200, minutes_ago=3, resource_type="User", resource_id=str(gone.pk))
    event(204, minutes_ago=2, method="PATCH", resource_type="Group", resource_id=str(sales.pk))
    event(200, minutes_ago=1, path="/scim/v2/Schemas")
    response = alice_client.get("/account/provisioning")
    assert response.status_code == 200
    assert touched(response) == [
        ("", ""),
        ("Sales", f"/groups/{sales.pk}"),
        ("gone@acme.test (deleted)", ""),
        ("Sam Scott (sam@acme.test)", f"/people/{sam.pk}"),
    ]
    body = response.content.decode()
    assert f'<a href="/people/{sam.pk}">Sam Scott (sam@acme.test)</a>' in body
    assert f'<a href="/groups/{sales.pk}">Sales</a>' in body


def test_names_are_resolved_in_a_fixed_number_of_queries(alice_client):
    sam, _, sales = people_and_group()

    def queries(n: int) -> int:
        with schema_context("acme"):
            ProvisioningEvent.objects.all().delete()
        for i in range(n):
            kind, pk = ("User", sam.pk) if i % 2 else ("Group", sales.pk)
            event(200, minutes_ago=i, resource_type=kind, resource_id=str(pk))
        from django.db import connection

        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/account/provisioning").status_code == 200
        return len(captured.captured_queries)

    assert queries(2) == queries(25)


def test_a_row_opens_to_the_request_body_and_the_error_naming_the_clashing_username(
    alice_client,
):
    sam, _, _ = people_and_group()
    sent = {"userName": "SAM@acme.test", "password": "(removed)", "active": True}
    pk = event(
        409, method="POST", resource_type="User", scim_type="uniqueness",
        detail="A user with this userName already exists.", body=json.dumps(sent),
    )  # fmt: skip
    response = alice_client.get("/account/provisioning")
    row = response.context["activity"][0]
    assert (row.clash, row.clash_with.url) == ("SAM@acme.test", f"/people/{sam.pk}")
    body = response.content.decode()
    detail = body.split(f'id="event-{pk}"')[1].split("</tr>")[0]
    assert "<code>POST /scim/v2/Users</code>" in detail
    assert json.dumps(sent, indent=2).replace('"', "&quot;") in detail
    assert (
        "409 <code>uniqueness</code>: A user with this userName already exists."
        " userName “SAM@acme.test” is taken." in detail
    )
    assert f'userName “SAM@acme.test” is taken by <a href="/people/{sam.pk}">Sam Scott' in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["a", "b", "c", "d", "e"]),
        ({"status": "2xx"}, ["a", "b"]),
        ({"status": "4xx"}, ["c", "d"]),
        ({"status": "5xx"}, ["e"]),
        ({"status": "errors"}, ["c", "d", "e"]),
        ({"errors": "1"}, ["c", "d", "e"]),
        ({"method": "post"}, ["b", "d"]),
        ({"resource": "Group"}, ["c"]),
        ({"resource": "other"}, ["e"]),
        ({"status": "4xx", "method": "POST", "resource": "User"}, ["d"]),
    ],
)
def test_filters(alice_client, query, expected):
    event(200, minutes_ago=5, path="a", resource_type="User")
    event(201, minutes_ago=4, path="b", method="POST", resource_type="User")
    event(404, minutes_ago=3, path="c", resource_type="Group")
    event(409, minutes_ago=2, path="d", method="POST", resource_type="User")
    event(500, minutes_ago=1, path="e")
    response = alice_client.get("/account/provisioning", query)
    assert response.status_code == 200
    assert sorted(e.path for e in response.context["events"]) == expected


@pytest.mark.parametrize("query", [{"status": "3xx"}, {"method": "TRACE"}, {"resource": "Schema"}])
def test_unknown_filter_values_are_a_400(alice_client, query):
    response = alice_client.get("/account/provisioning", query)
    assert response.status_code == 400
    assert "must be one of" in response.content.decode()
    assert alice_client.get("/account/provisioning/activity.csv", query).status_code == 400


def export(client, query=None) -> list[list[str]]:
    response = client.get("/account/provisioning/activity.csv", query or {})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_streams_the_filtered_log_newest_first(alice_client, gina):
    sam, _, _ = people_and_group()
    event(201, minutes_ago=3, method="POST", resource_type="User", resource_id=str(sam.pk),
          token_name="Entra", body='{"userName":"sam@acme.test"}')  # fmt: skip
    event(409, minutes_ago=2, method="POST", resource_type="User", scim_type="uniqueness",
          detail="taken", body='{"userName":"=cmd|calc"}')  # fmt: skip
    event(200, minutes_ago=1)
    event(500, slug="globex", path="/globex-only")
    rows = export(alice_client, {"method": "POST"})
    assert rows[0] == [
        "at", "method", "path", "resource_type", "resource_id", "touched", "status",
        "scim_type", "detail", "duration_ms", "token", "body",
    ]  # fmt: skip
    assert [r[1:] for r in rows[1:]] == [
        ["POST", "/scim/v2/Users", "User", "", "", "409", "uniqueness",
         'taken (userName "=cmd|calc")', "2.0", "", '{"userName":"=cmd|calc"}'],
        ["POST", "/scim/v2/Users", "User", str(sam.pk), "Sam Scott (sam@acme.test)", "201", "",
         "", "2.0", "Entra", '{"userName":"sam@acme.test"}'],
    ]  # fmt: skip
    everything = export(alice_client)
    assert len(everything) == 4  # header and acme's three; globex's event is not there
    assert "/globex-only" not in str(everything)


def test_export_neutralises_formulas(alice_client):
    event(400, path='=HYPERLINK("http://evil")', detail="+1")
    rows = export(alice_client)
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
    assert rows[1][8] == "'+1"


def test_members_cannot_export(bob_client):
    event(500, detail="secret detail")
    response = bob_client.get("/account/provisioning/activity.csv")
    assert response.status_code == 403
    assert "secret detail" not in response.content.decode()


def test_export_stops_at_its_cap_newest_first(alice_client, monkeypatch):
    monkeypatch.setattr("scim.selectors_activity.EXPORT_MAX_ROWS", 5)
    monkeypatch.setattr("scim.selectors_activity.EXPORT_BATCH", 2)
    for i in range(8):
        event(200, minutes_ago=10 - i, path=f"/scim/v2/Users/{i}")
    rows = export(alice_client)
    assert [r[2] for r in rows[1:]] == [f"/scim/v2/Users/{i}" for i in (7, 6, 5, 4, 3)]
