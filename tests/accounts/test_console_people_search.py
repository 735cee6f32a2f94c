"""People text search: what it finds, the first page read before the count (a rare term
is one scan), and the count capped for common terms ("more than 10,000")."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts import paging, views_groups, views_people
from accounts.models import Group, Membership, User
from accounts.selectors import users_search
from tests.accounts.console_support import sql_statements  # noqa: F401

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [person.user_name for person in response.context["page"].object_list]


@pytest.fixture
def people(acme) -> None:
    with schema_context("acme"):
        User.objects.bulk_create(
            [
                User(user_name="ann@acme.test", email="ann.lee@mail.test", name_family="Lee"),
                User(user_name="ben@acme.test", display_name="Ben 50%_off", name_given="Benny"),
                User(user_name="cy@acme.test", email=None, name_given="Cyrus", name_family=None),
                User(user_name="gone@acme.test", name_family="Lee", deleted_at="2026-01-01T00:00Z"),
            ]
        )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lee", ["ann@acme.test"]),  # email and family name; the deleted Lee is not listed
        ("ANN.LEE@MAIL", ["ann@acme.test"]),
        ("benny", ["ben@acme.test"]),  # given name
        ("50%_", ["ben@acme.test"]),  # display name; LIKE wildcards are literal
        ("%", ["ben@acme.test"]),
        ("_", ["ben@acme.test"]),
        ("5_%", []),  # would match "50%" were "_" a wildcard
        ("cyrus", ["cy@acme.test"]),  # NULL email and family name: still found by the rest
        ("test lee", []),  # never across two fields
        ("acme.test", ["alice@acme.test", "ann@acme.test", "ben@acme.test", "cy@acme.test"]),
    ],
)
def test_search_matches_any_field_case_insensitively(alice_client, people, query, expected):
    assert listed(alice_client.get("/people", {"q": query})) == expected


def test_search_finds_what_five_column_matching_found(people, alice):
    """users_search against the plain per-column definition, for terms of every kind."""
    terms = ["lee", "ANN.LEE@MAIL", "benny", "50%_", "%", "_", "cyrus", "acme", "a", "Y", "@"]
    with schema_context("acme"):
        for term in terms:
            old = User.objects.filter(deleted_at__isnull=True)
            condition = None
            for field in ("user_name", "email", "display_name", "name_given", "name_family"):
                match = old.filter(**{f"{field}__icontains": term})
                condition = match if condition is None else condition | match
            expected = sorted(condition.values_list("user_name", flat=True))
            assert sorted(users_search(query=term).values_list("user_name", flat=True)) == (
                expected
            ), term


def test_a_rare_term_is_read_once_without_a_count(alice_client, people, sql_statements):
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.get("/people", {"q": "lee"})
    assert listed(response) == ["ann@acme.test"]
    assert "1–1 of 1 matching “lee”" in response.content.decode()
    searches = [q["sql"] for q in queries if "LIKE UPPER('%lee%')" in q["sql"]]
    assert len(searches) == 1 and "COUNT(" not in searches[0].upper(), searches
    with sql_statements(5):  # routing, session, user, the page, the groups menu
        alice_client.get("/people", {"q": "lee"})


@pytest.fixture
def many(acme, monkeypatch) -> None:
    """Eight people matching "p", two a page, and a count cap of 5."""
    monkeypatch.setattr(paging, "SEARCH_COUNT_CAP", 5)
    monkeypatch.setattr(views_people, "PEOPLE_PER_PAGE", 2)
    with schema_context("acme"):
        User.objects.bulk_create([User(user_name=f"p{i}@x.test") for i in range(8)])


def test_a_common_term_counts_up_to_the_cap(alice_client, many):
    first = alice_client.get("/people", {"q": "@x.test"})
    assert listed(first) == ["p0@x.test", "p1@x.test"]
    body = first.content.decode()
    assert "1–2 of more than 5 matching “@x.test”" in body
    assert "Page 1 of 3 (the first 5 matches)" in body
    third = alice_client.get("/people", {"q": "@x.test", "page": "3"})
    assert listed(third) == ["p4@x.test", "p5@x.test"]
    # Past the cap's pages, and bad numbers, fall back to real pages as elsewhere.
    assert listed(alice_client.get("/people", {"q": "@x.test", "page": "9"})) == listed(third)
    assert listed(alice_client.get("/people", {"q": "@x.test", "page": "x"})) == listed(first)
    assert listed(alice_client.get("/people", {"q": "@x.test", "page": "-2"})) == listed(third)


def test_under_the_cap_the_count_is_exact(alice_client, many, monkeypatch):
    monkeypatch.setattr(paging, "SEARCH_COUNT_CAP", 8)
    response = alice_client.get("/people", {"q": "@X.TEST", "page": "2"})
    assert listed(response) == ["p2@x.test", "p3@x.test"]
    body = response.content.decode()
    assert "3–4 of 8 matching “@X.TEST” (filtered)" in body
    assert "Page 2 of 4</span>" in body


def test_without_a_search_the_count_is_never_capped(alice_client, many):
    body = alice_client.get("/people").content.decode()
    assert "1–2 of 9" in body and "Page 1 of 5</span>" in body


def test_group_member_search_is_capped_too(alice_client, many, monkeypatch):
    monkeypatch.setattr(views_groups, "MEMBERS_PER_PAGE", 2)
    with schema_context("acme"):
        group = Group.objects.create(display_name="Xers")
        Membership.objects.bulk_create(
            [
                Membership(group=group, user=u)
                for u in User.objects.filter(user_name__endswith="x.test")
            ]
        )
    response = alice_client.get(f"/groups/{group.pk}", {"q": "x.test"})
    assert response.status_code == 200
    assert 'data-testid="member-count">more than 5 matching “x.test”' in response.content.decode()


def test_another_organisations_people_are_never_found(alice_client, gina):
    assert listed(alice_client.get("/people", {"q": "gina"})) == []
