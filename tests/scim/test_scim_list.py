"""Lists: paging with totalResults from SQL, page-size cap, sorting, projection, .search, and a
fixed number of queries whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from tests.scim.conftest import GROUP_SCHEMA, LIST, USER_SCHEMA, error_body

pytestmark = pytest.mark.django_db
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def many(acme, alice) -> list[User]:
    """alice plus 6 users (created in order), each in two groups."""
    with schema_context("acme"):
        users = [alice] + [
            user_create(actor=SYSTEM, user_name=f"u{i}@acme.test", source="scim", title=f"T{i % 3}")
            for i in range(6)
        ]
        groups = [Group.objects.create(display_name=name) for name in ("Red", "Blue")]
        Membership.objects.bulk_create(
            Membership(group=g, user=u) for g in groups for u in users[1:]
        )
    return users


def names(response) -> list[str]:
    return [r["userName"] for r in response.json()["Resources"]]


def test_paging_counts_in_sql(scim, many):
    response = scim.get("/Users?startIndex=3&count=2&attributes=userName")
    body = response.json()
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (7, 3, 2)
    assert body["schemas"] == [LIST]
    assert names(response) == ["u1@acme.test", "u2@acme.test"]
    last = scim.get("/Users?startIndex=6&count=5").json()
    assert (last["totalResults"], last["itemsPerPage"]) == (7, 2)
    beyond = scim.get("/Users?startIndex=50").json()
    assert (beyond["totalResults"], beyond["itemsPerPage"], beyond["Resources"]) == (7, 0, [])


def test_count_zero_returns_only_the_total(scim, many):
    assert scim.get("/Users?count=0").json() == {
        "schemas": [LIST], "totalResults": 7, "startIndex": 1, "itemsPerPage": 0, "Resources": [],
    }  # fmt: skip


def test_out_of_range_paging_values_are_clamped(scim, many, settings):
    settings.SCIM_MAX_RESULTS = 3
    assert scim.get("/Users").json()["itemsPerPage"] == 3
    assert scim.get("/Users?count=1000").json()["itemsPerPage"] == 3
    assert scim.get("/Users?count=-4").json()["itemsPerPage"] == 0
    body = scim.get("/Users?startIndex=0&count=1").json()
    assert (body["startIndex"], names_of(body)) == (1, ["alice@acme.test"])
    assert scim.get("/ServiceProviderConfig").json()["filter"]["maxResults"] == 3


def names_of(body: dict) -> list[str]:
    return [r["userName"] for r in body["Resources"]]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("count=ten", "'count' must be an integer."),
        ("startIndex=1.5", "'startIndex' must be an integer."),
        ("sortOrder=sideways", "'sortOrder' must be 'ascending' or 'descending'."),
    ],
)
def test_bad_paging_values_are_400(scim, query, detail):
    response = scim.get(f"/Users?{query}")
    assert response.status_code == 400
    assert response.json() == error_body(400, detail, "invalidValue")


def test_sorting(scim, many):
    response = scim.get("/Users?sortBy=userName&sortOrder=descending&count=3")
    assert names(response) == ["u5@acme.test", "u4@acme.test", "u3@acme.test"]
    response = scim.get("/Users?sortBy=title&attributes=userName,title")
    # Users without a title (alice) sort last.
    assert [r.get("title") for r in response.json()["Resources"]] == [
        "T0", "T0", "T1", "T1", "T2", "T2", None,
    ]  # fmt: skip
    default_desc = scim.get("/Users?sortOrder=descending&count=1")
    assert names(default_desc) == ["u5@acme.test"]


def test_list_projection(scim, many):
    body = scim.get("/Users?excludedAttributes=groups,meta&count=2").json()
    assert all("groups" not in r and "meta" not in r for r in body["Resources"])
    assert body["Resources"][1] == {
        "schemas": [USER_SCHEMA], "id": str(many[1].pk), "userName": "u0@acme.test",
        "title": "T0", "active": True,
    }  # fmt: skip


def work_queries(context: CaptureQueriesContext) -> list[str]:
    """The statements that do work. django-tenants sets the search path before each one, the
    statement timeout is set when the kind of request changes (looop/db/budgets.py), and the
    test transaction wraps the event insert in a savepoint; those are left out."""
    noise = ("SET search_path", "SET statement_timeout", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith(noise)]


def test_list_and_get_take_a_fixed_number_of_queries(scim, many):
    scim.get("/ServiceProviderConfig")  # token last-used time written; routing cache warm
    counts = {}
    for count in (2, 6):
        with CaptureQueriesContext(connection) as context:
            response = scim.get(f"/Users?count={count}&startIndex=2")
        assert len(response.json()["Resources"]) == count
        assert all(len(r["groups"]) == 2 for r in response.json()["Resources"])
        counts[count] = work_queries(context)
    # token lookup, the page (groups and manager in it), the total, the provisioning event
    assert len(counts[2]) == len(counts[6]) == 4
    assert "FROM accounts_liveusershard" in counts[2][2]  # the tally, not a scan of users
    # A short page is the end of the results: it tells the total without counting.
    with CaptureQueriesContext(connection) as context:
        scim.get("/Users?count=10&startIndex=2")
    assert len(work_queries(context)) == 3
    with CaptureQueriesContext(connection) as context:
        scim.get(f"/Users/{many[2].pk}")
    assert len(work_queries(context)) == 3
    with CaptureQueriesContext(connection) as context:
        scim.get("/Groups")
    assert len(work_queries(context)) == 3


def test_users_search(scim, many):
    body = {
        "schemas": [SEARCH],
        "attributes": ["userName"],
        "filter": 'userName sw "u"',
        "sortBy": "userName",
        "sortOrder": "descending",
        "startIndex": 1,
        "count": 2,
    }
    response = scim.post("/Users/.search", body)
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 6,
        "startIndex": 1,
        "itemsPerPage": 2,
        "Resources": [
            {"schemas": [USER_SCHEMA], "id": str(many[6].pk), "userName": "u5@acme.test"},
            {"schemas": [USER_SCHEMA], "id": str(many[5].pk), "userName": "u4@acme.test"},
        ],
    }


def test_groups_search(scim, many):
    response = scim.post("/Groups/.search", {"schemas": [SEARCH], "filter": 'displayName eq "red"',
                                            "excludedAttributes": ["members"]})  # fmt: skip
    resources = response.json()["Resources"]
    assert [(r["displayName"], "members" in r) for r in resources] == [("Red", False)]
    assert resources[0]["schemas"] == [GROUP_SCHEMA]


def test_root_search_spans_users_and_groups(scim, many):
    body = {"schemas": [SEARCH], "attributes": ["userName", "displayName"], "count": 100}
    resources = scim.post("/.search", body).json()["Resources"]
    assert [r.get("userName") or r.get("displayName") for r in resources] == [
        u.user_name for u in many
    ] + ["Red", "Blue"]
    # Paging runs across both types.
    page = scim.post("/.search", {**body, "startIndex": 7, "count": 2}).json()
    assert (page["totalResults"], page["itemsPerPage"]) == (9, 2)
    assert [r.get("userName") or r.get("displayName") for r in page["Resources"]] == [
        "u5@acme.test", "Red",
    ]  # fmt: skip
    # A filter on an attribute only groups have matches groups only.
    only = scim.post("/.search", {"filter": 'displayName eq "Blue"'}).json()
    assert [r["displayName"] for r in only["Resources"]] == ["Blue"]


def test_search_with_a_bad_body(scim):
    response = scim.post("/Users/.search", "{not json")
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"


def test_page_of_users_prefetches_groups_in_the_same_query(scim, many):
    with CaptureQueriesContext(connection) as queries:
        scim.get("/Users?count=7")
    membership = Membership._meta.db_table
    assert len([q for q in queries.captured_queries if membership in q["sql"]]) == 1


def test_entra_test_connection_gets_an_empty_list(scim):
    response = scim.get('/Users?filter=userName eq "7ea8cc3b-5bd5-4c1b-a3a4-8d2d1a8ab6a2"')
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [],
    }  # fmt: skip


def test_later_pages_pick_their_ids_once_whatever_the_statistics(scim, many):
    """`id = ANY(ARRAY(...))` runs the page-ids subquery once; `id IN (...)` could be planned
    as one run per row while a new organisation's tables have no statistics yet."""
    with CaptureQueriesContext(connection) as context:
        response = scim.get("/Users?count=2&startIndex=3&attributes=userName,groups")
    assert response.status_code == 200
    page = [q for q in work_queries(context) if "jsonb_agg" in q]
    assert len(page) == 1 and "= ANY(ARRAY(SELECT" in page[0]
