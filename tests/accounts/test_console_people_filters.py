"""People: filters by status, source, role, department and group; sortable columns; the
filter and sort in the URL; the streamed CSV export of the current filter."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Group, Membership, User
from tests.accounts.console_support import bob, bob_client, sql_statements  # noqa: F401

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [person.user_name for person in response.context["page"].object_list]


@pytest.fixture
def staff(acme) -> dict[str, User]:
    """alice (admin, console) plus four people of every kind, created a minute apart."""
    now = timezone.now()
    specs = [
        ("dan@acme.test", dict(source="scim", department="Sales", email="zed@acme.test")),
        ("eve@acme.test", dict(source="scim", department="sales", active=False)),
        ("fay@acme.test", dict(source="sso", department="Support", role="admin")),
        ("gus@acme.test", dict(source="console", active=None)),
    ]
    with schema_context("acme"):
        people = {}
        for i, (name, extra) in enumerate(specs):
            extra.setdefault("email", name)
            people[name.split("@")[0]] = User.objects.create(user_name=name, **extra)
            User.objects.filter(user_name=name).update(created=now + timedelta(minutes=i))
        people["alice"] = User.objects.get(user_name="alice@acme.test")
        sellers = Group.objects.create(display_name="Sellers")
        Membership.objects.create(group=sellers, user=people["dan"])
        Membership.objects.create(group=sellers, user=people["fay"])
        people["sellers"] = sellers
        gone = User.objects.create(user_name="gone@acme.test", source="scim", department="Sales",
                                   deleted_at=now)  # fmt: skip
        Membership.objects.create(group=sellers, user=gone)
    return people


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["alice", "dan", "eve", "fay", "gus"]),
        ({"status": "active"}, ["alice", "dan", "fay"]),
        ({"status": "deactivated"}, ["eve", "gus"]),
        ({"source": "scim"}, ["dan", "eve"]),
        ({"source": "sso"}, ["fay"]),
        ({"source": "console"}, ["alice", "gus"]),
        ({"role": "admin"}, ["alice", "fay"]),
        ({"department": "SALES"}, ["dan", "eve"]),
        ({"source": "scim", "status": "active", "department": "sales"}, ["dan"]),
        ({"q": "fay", "role": "admin"}, ["fay"]),
        ({"department": "Nowhere"}, []),
    ],
)
def test_filters(alice_client, staff, query, expected):
    assert listed(alice_client.get("/people", query)) == [f"{n}@acme.test" for n in expected]


def test_group_filter_lists_live_members_only(alice_client, staff):
    response = alice_client.get("/people", {"group": str(staff["sellers"].pk)})
    assert listed(response) == ["dan@acme.test", "fay@acme.test"]
    body = response.content.decode()
    assert f'<option value="{staff["sellers"].pk}" selected>Sellers</option>' in body


def test_another_organisations_group_matches_nobody(alice_client, staff, gina):
    with schema_context("globex"):
        theirs = Group.objects.create(display_name="Globex group")
        Membership.objects.create(group=theirs, user=User.objects.get(user_name="gina@globex.test"))
    response = alice_client.get("/people", {"group": str(theirs.pk)})
    assert listed(response) == []
    assert "Nobody matches these filters." in response.content.decode()


NAMES = ["alice", "dan", "eve", "fay", "gus"]
SORT_KEYS = {
    "name": lambda p: p.user_name.upper(),
    "email": lambda p: p.email.upper(),  # dan's email is zed@
    "created": lambda p: p.created,
    "department": lambda p: (p.department is None, (p.department or "").upper()),  # blanks last
    "role": lambda p: p.role,
    "source": lambda p: p.source,
}


@pytest.mark.parametrize("sort", ["name", "-name", "email", "-created", "department", "role",
                                  "-source"])  # fmt: skip
def test_sorting(alice_client, staff, sort):
    with schema_context("acme"):
        people = {n: User.objects.get(pk=staff[n].pk) for n in NAMES}
    key = SORT_KEYS[sort.removeprefix("-")]
    # Equal keys fall back to the id, in the same direction.
    expected = sorted(NAMES, key=lambda n: (key(people[n]), people[n].pk),
                      reverse=sort.startswith("-"))  # fmt: skip
    assert listed(alice_client.get("/people", {"sort": sort})) == [
        f"{n}@acme.test" for n in expected
    ]


def test_name_sort_both_ways(alice_client, staff):
    assert listed(alice_client.get("/people", {"sort": "-name"})) == [
        "gus@acme.test", "fay@acme.test", "eve@acme.test", "dan@acme.test", "alice@acme.test",
    ]  # fmt: skip


def test_headers_link_to_their_sort_and_say_which_is_on(alice_client, staff):
    body = alice_client.get("/people", {"sort": "-created", "source": "scim"}).content.decode()
    assert '<th scope="col" aria-sort="descending"><a href="?sort=created&amp;source=scim">' in body
    assert '<th scope="col" aria-sort="none"><a href="?sort=name&amp;source=scim">Name' in body
    # the filter form keeps the sort; page links keep both
    assert '<input type="hidden" name="sort" value="-created">' in body
    assert 'href="/people/export.csv?sort=-created&amp;source=scim"' in body


def test_paging_keeps_filter_and_sort(alice_client, staff):
    with schema_context("acme"):
        User.objects.bulk_create(
            [User(user_name=f"p{i:02}@acme.test", source="scim") for i in range(30)]
        )
    body = alice_client.get("/people", {"source": "scim", "sort": "-name"}).content.decode()
    assert 'href="?source=scim&amp;sort=-name&amp;page=2"' in body
    second = alice_client.get("/people", {"source": "scim", "sort": "-name", "page": "2"})
    assert listed(second) == ["p04@acme.test", "p03@acme.test", "p02@acme.test",
                              "p01@acme.test", "p00@acme.test", "eve@acme.test",
                              "dan@acme.test"]  # fmt: skip


@pytest.mark.parametrize(
    "query",
    [
        {"status": "gone"},
        {"source": "ldap"},
        {"role": "owner"},
        {"sort": "password"},
        {"sort": "--name"},
        {"group": "not-a-uuid"},
        {"department": "x" * 201},
        {"q": "x" * 201},
    ],
)
def test_bad_filter_values_are_a_400(alice_client, query):
    assert alice_client.get("/people", query).status_code == 400
    assert alice_client.get("/people/export.csv", query).status_code == 400


def export(client, query=None) -> list[list[str]]:
    response = client.get("/people/export.csv", query or {})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="people-acme.csv"'
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_is_the_current_filter(alice_client, staff):
    with schema_context("acme"):
        User.objects.filter(pk=staff["dan"].pk).update(
            name_given="Dan", name_family="=Danger", title="Rep", external_id="e-1"
        )
    rows = export(alice_client, {"department": "sales", "sort": "-name"})
    assert rows[0] == [
        "id", "userName", "name", "email", "status", "source", "role", "department", "title",
        "externalId", "groups", "created",
    ]  # fmt: skip
    dan, eve = staff["dan"], staff["eve"]
    assert [r[:-1] for r in rows[1:]] == [
        [str(dan.pk), "dan@acme.test", "Dan =Danger", "zed@acme.test", "active", "scim",
         "member", "Sales", "Rep", "e-1", "Sellers"],
        [str(eve.pk), "eve@acme.test", "", "eve@acme.test", "deactivated", "scim", "member",
         "sales", "", "", ""],
    ]  # fmt: skip


def test_export_neutralises_formulas_and_reads_in_batches(alice_client, monkeypatch):
    monkeypatch.setattr("accounts.selectors_people.EXPORT_BATCH", 7)
    with schema_context("acme"):
        User.objects.bulk_create(
            [User(user_name=f"u{i:02}@acme.test", department="=1+2") for i in range(20)]
        )
    rows = export(alice_client, {"department": "=1+2"})
    assert [r[1] for r in rows[1:]] == [f"u{i:02}@acme.test" for i in range(20)]
    assert {r[7] for r in rows[1:]} == {"'=1+2"}


def test_export_holds_no_other_organisation(alice_client, gina):
    names = [r[1] for r in export(alice_client)[1:]]
    assert names == ["alice@acme.test"]


def test_members_cannot_list_or_export(bob_client):
    assert bob_client.get("/people", {"source": "scim"}).status_code == 403
    assert bob_client.get("/people/export.csv").status_code == 403


def test_any_filter_is_a_fixed_number_of_statements(alice_client, staff, sql_statements):
    query = {"status": "active", "source": "scim", "role": "member", "department": "sales",
             "group": str(staff["sellers"].pk), "sort": "-department", "q": "acme"}  # fmt: skip
    # routing, session, user, count, page, the groups menu: never one per row
    with sql_statements(6):
        assert listed(alice_client.get("/people", query)) == ["dan@acme.test"]
