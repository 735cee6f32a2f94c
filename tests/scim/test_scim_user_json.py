"""Pages of users are rendered by PostgreSQL (scim/user_json.py); GET by id, writes and
projected lists by Python (scim/users.py). Both must give the same documents."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tests.scim.conftest import ENTERPRISE, GROUP_SCHEMA, LIST, PATCH_OP, USER_SCHEMA

pytestmark = pytest.mark.django_db

RICH = {
    "schemas": [USER_SCHEMA, ENTERPRISE],
    "externalId": "ext-ü-1",
    "userName": "Zoë.O'Brien@acme.test",
    "name": {
        "formatted": 'Ms Zoë "Zo" O\'Brien',
        "familyName": "O'Brien",
        "givenName": "Zoë",
        "middleName": "Ann",
        "honorificPrefix": "Ms",
        "honorificSuffix": "III",
    },
    "displayName": "Zoë O'Brien \\ 🚀",
    "nickName": "Zo",
    "profileUrl": "https://example.com/zoe",
    "title": "Line\nbreak\ttab",
    "userType": "Employee",
    "preferredLanguage": "en-GB",
    "locale": "en-GB",
    "timezone": "Europe/London",
    "active": "False",
    "emails": [
        {"value": "zoe@acme.test", "type": "work", "primary": True},
        {"value": "zoe@home.test", "type": "home", "display": None},
    ],
    "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "mobile"}],
    "addresses": [
        {"type": "work", "streetAddress": "1 High St", "locality": "London", "primary": True}
    ],
    ENTERPRISE: {
        "employeeNumber": "42",
        "costCenter": "CC-1",
        "organization": "Acme",
        "division": "R&D",
        "department": "Research",
    },
}


def _create(scim, body: dict) -> dict:
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def users(scim) -> list[dict]:
    """Users covering every shape: full, bare, with a manager (named or not), in groups."""
    rich = _create(scim, RICH)
    bare = _create(scim, {"schemas": [USER_SCHEMA], "userName": "bare@acme.test"})
    unset = _create(scim, {"schemas": [USER_SCHEMA], "userName": "unset@acme.test", "active": None})
    boss = _create(
        scim,
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "userName": "boss@acme.test",
            ENTERPRISE: {"manager": {"value": rich["id"]}},
        },
    )
    nameless = _create(scim, {"schemas": [USER_SCHEMA], "userName": "nameless@acme.test"})
    managed = _create(
        scim,
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "userName": "managed@acme.test",
            ENTERPRISE: {"manager": nameless["id"]},
        },
    )
    for name in ('Beta "β" \\ team', "Alpha"):
        group = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name}).json()
        members = [{"value": u["id"]} for u in (rich, boss)]
        ops = [{"op": "Add", "path": "members", "value": members}]
        patched = scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": ops})
        assert patched.status_code == 204  # no attributes asked for: no body
    return [rich, bare, unset, boss, nameless, managed]


def test_pages_equal_documents_by_id(scim, users):
    response = scim.get("/Users?count=50")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/scim+json"
    page = response.json()
    assert page["schemas"] == [LIST]
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (7, 1, 7)
    by_id = {doc["id"]: doc for doc in page["Resources"]}
    for user in users:
        single = scim.get(f"/Users/{user['id']}").json()
        assert by_id[user["id"]] == single
    rich = by_id[users[0]["id"]]
    assert [g["display"] for g in rich["groups"]] == ["Alpha", 'Beta "β" \\ team']
    assert rich["active"] is False and rich["schemas"] == [USER_SCHEMA, ENTERPRISE]
    assert "active" not in by_id[users[2]["id"]]
    assert by_id[users[3]["id"]][ENTERPRISE]["manager"]["displayName"] == "Zoë O'Brien \\ 🚀"
    assert "displayName" not in by_id[users[5]["id"]][ENTERPRISE]["manager"]
    assert by_id[users[1]["id"]]["schemas"] == [USER_SCHEMA]
    assert set(by_id[users[1]["id"]]) == {"schemas", "id", "userName", "active", "meta"}


def test_pages_equal_python_rendering_with_a_projection_that_keeps_everything(scim, users):
    """`excludedAttributes` of an attribute nobody has goes through the Python renderer."""
    sql = scim.get("/Users?startIndex=2&count=3").json()
    python = scim.get("/Users?startIndex=2&count=3&excludedAttributes=x509Certificates").json()
    assert sql == python
    assert len(sql["Resources"]) == 3


def test_timestamps_match_isoformat_with_and_without_microseconds(scim, users):
    from accounts.models import User

    with schema_context("acme"):
        stamp = User.objects.get(pk=users[1]["id"]).created.replace(microsecond=0)
        User.objects.filter(pk=users[1]["id"]).update(created=stamp)
    listed = {d["id"]: d for d in scim.get("/Users").json()["Resources"]}
    assert listed[users[1]["id"]]["meta"]["created"] == stamp.isoformat().replace("+00:00", "Z")
    for user in users:
        single = scim.get(f"/Users/{user['id']}").json()
        assert listed[user["id"]]["meta"] == single["meta"]


def test_a_page_is_one_query_of_documents(scim, users):
    """The page's ids are picked once (an InitPlan), and its groups in one aggregate."""
    with CaptureQueriesContext(connection) as queries:
        response = scim.get("/Users?count=3&startIndex=2")
    assert response.status_code == 200
    selects = [q["sql"] for q in queries if "accounts_user" in q["sql"]]
    assert len(selects) == 1
    assert selects[0].count("unnest(ARRAY(SELECT") == 1
    assert selects[0].count("string_agg(") == 1
    assert [d["userName"] for d in json.loads(response.content)["Resources"]] == [
        "Zoë.O'Brien@acme.test",
        "bare@acme.test",
        "unset@acme.test",
    ]


def test_every_page_of_a_query_is_one_statement(scim, users):
    """LIMIT and OFFSET are parameters: one prepared statement serves every page."""
    seen: list[tuple[str, tuple]] = []

    def record(execute, sql, params, many, context):
        if "unnest(ARRAY(SELECT" in sql:
            seen.append((sql, tuple(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        first = scim.get("/Users?count=2&startIndex=1").json()
        later = scim.get("/Users?count=1&startIndex=3").json()
    assert [d["userName"] for d in first["Resources"][1:] + later["Resources"]] == [
        "Zoë.O'Brien@acme.test", "bare@acme.test",
    ]  # fmt: skip
    (sql_1, params_1), (sql_2, params_2) = seen
    assert sql_1 == sql_2 and "LIMIT %s OFFSET %s" in sql_1
    assert (params_1[-2:], params_2[-2:]) == ((2, 0), (1, 2))


def test_empty_page_and_count_zero(scim, users):
    empty = scim.get('/Users?filter=userName eq "nobody@acme.test"').json()
    assert empty == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
    counted = scim.get("/Users?count=0").json()
    assert (counted["totalResults"], counted["itemsPerPage"], counted["Resources"]) == (7, 0, [])


def test_a_page_never_shows_another_organisations_users(scim, globex_scim, users):
    assert globex_scim.get("/Users").json()["totalResults"] == 1  # globex's own admin
    ids = {d["id"] for d in globex_scim.get("/Users").json()["Resources"]}
    assert not ids & {u["id"] for u in users}
