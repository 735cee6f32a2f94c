"""Entra's lookups by one attribute take a precompiled query (scim.filters.equality).

They must answer exactly as the general filter path does, for every value, and never
across organisations.
"""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scim.filters.equality import Equality, simple_equality
from tests.scim.filters_support import groups_create, people_create


@pytest.fixture
def people(acme):
    return people_create()


@pytest.mark.parametrize(
    ("expression", "resource", "expected"),
    [
        ('userName eq "a@b.c"', "User", Equality("userName", "a@b.c")),
        ('  USERNAME EQ "A@B.C" ', "User", Equality("userName", "A@B.C")),
        ('externalId eq "x\\"y"', "User", Equality("externalId", 'x"y')),
        ('userName eq "\\u00e9mile"', "User", Equality("userName", "émile")),
        ('displayName eq "Sales"', "Group", Equality("displayName", "Sales")),
        ('externalid Eq ""', "Group", Equality("externalId", "")),
    ],
)
def test_lookups_are_recognised(expression, resource, expected):
    assert simple_equality(expression, resource) == expected


@pytest.mark.parametrize(
    ("expression", "resource"),
    [
        ('id eq "8a7b"', "User"),  # its SQL depends on whether the value is a UUID
        ('displayName eq "x"', "User"),
        ('userName eq "x"', "Group"),
        ('userName co "x"', "User"),
        ('userName eq "x" and active eq true', "User"),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"', "User"),
        ("userName eq true", "User"),
        ('userName eq "\\u0000"', "User"),
        ('userName eq "\\ud800"', "User"),
        ('userName eq "\\q"', "User"),
        ('userName eq "x', "User"),
        ('userName eq "' + "x" * 9000 + '"', "User"),
    ],
)
def test_other_filters_take_the_general_path(expression, resource):
    assert simple_equality(expression, resource) is None


def listing(client, resource: str, **params: str):
    response = client.get(f"/{resource}?{urlencode(params)}")
    assert response.status_code == 200, response.content
    return response.json()


def general(expression: str) -> str:
    """The same filter, written so that it takes the general path."""
    return f"({expression}) and not (id eq null)"


@pytest.mark.parametrize(
    "expression",
    [
        'userName eq "JSmith@acme.test"',
        'userName eq "jsmith@acme.test"',
        'username eq "nobody@acme.test"',
        'externalId eq "ext-jsmith"',
        'externalId eq "EXT-JSMITH"',  # externalId is caseExact
        'userName eq "\\u00e9mile@acme.test"',
        'userName eq "100%_sure@acme.test"',
    ],
)
@pytest.mark.parametrize("projection", [{}, {"attributes": "userName"}])
def test_user_lookups_answer_as_the_general_path(scim, people, expression, projection):
    assert simple_equality(expression, "User") is not None
    fast = listing(scim, "Users", filter=expression, **projection)
    slow = listing(scim, "Users", filter=general(expression), **projection)
    assert fast == slow


@pytest.mark.parametrize(
    "params",
    [
        {"filter": 'displayName eq "group a"'},
        {"filter": 'displayName eq "Group A"', "excludedAttributes": "members"},
        {"filter": 'displayName eq "No such group"'},
    ],
)
def test_group_lookups_answer_as_the_general_path(scim, people, params):
    groups_create(people)
    fast = listing(scim, "Groups", **params)
    slow = listing(scim, "Groups", **{**params, "filter": general(params["filter"])})
    assert fast == slow
    assert fast["totalResults"] == (0 if "No such" in params["filter"] else 1)


def test_a_full_page_of_matches_is_counted(scim, people):
    body = listing(scim, "Users", filter='userName eq "jsmith@acme.test"', count="1")
    assert (body["totalResults"], body["itemsPerPage"]) == (1, 1)
    assert listing(scim, "Users", filter='userName eq "jsmith@acme.test"', count="0") == {
        **body,
        "itemsPerPage": 0,
        "Resources": [],
    }


def test_a_lookup_is_one_query_and_runs_in_the_hosts_organisation(scim, globex_scim, people):
    expression = 'userName eq "jsmith@acme.test"'
    scim.get("/ServiceProviderConfig")  # the token's last-used time is written
    with CaptureQueriesContext(connection) as context:
        body = listing(scim, "Users", filter=expression)
    work = [q["sql"] for q in context.captured_queries if "accounts_user" in q["sql"]]
    assert len(work) == 1 and "COUNT" not in work[0]
    assert [r["id"] for r in body["Resources"]] == [str(people.jsmith.pk)]
    # The compiled statement names no schema: on globex's host it reads globex's users.
    assert listing(globex_scim, "Users", filter=expression)["totalResults"] == 0
    assert (
        listing(globex_scim, "Users", filter='userName eq "gina@globex.test"')["totalResults"] == 1
    )
