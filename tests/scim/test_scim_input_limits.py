"""Input the SCIM API refuses up front (DESIGN §10): deep JSON, NUL and lone surrogates,
paging numbers that do not fit, and `id` filters that cannot match. Each is a 4xx with a
SCIM error body, or an empty ListResponse, never a 500."""

from urllib.parse import quote

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from scim.errors import ScimError
from tests.scim.conftest import ENTERPRISE, LIST, PATCH_OP, error_body, in_schema

pytestmark = pytest.mark.django_db
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
EMPTY = {"schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}


@pytest.fixture
def bob(acme, alice) -> User:
    """A provisioned acme member in a group, managed by alice."""
    with schema_context("acme"):
        bob = user_create(actor=SYSTEM, user_name="bob@acme.test", source="scim", manager=alice)
        group = Group.objects.create(display_name="Builders")
        Membership.objects.create(group=group, user=bob)
    return bob


def users_named(name: str) -> bool:
    return in_schema("acme", User.objects.filter(user_name=name).exists)


def test_json_nested_980_deep_is_invalid_syntax(scim):
    response = scim.post("/Users", "[" * 980 + "]" * 980)
    assert response.status_code == 400
    assert response.json() == error_body(
        400, "The request body nests arrays and objects deeper than 32 levels.", "invalidSyntax"
    )


def test_a_document_nested_within_the_limit_is_read(scim, settings):
    settings.MAX_JSON_DEPTH = 3
    ok = scim.post("/Users", {"userName": "n@acme.test", "name": {"givenName": "N"}})
    assert ok.status_code == 201
    deep = scim.post("/Users", {"userName": "d@acme.test", "emails": [{"value": {"x": 1}}]})
    assert deep.json() == error_body(
        400, "The request body nests arrays and objects deeper than 3 levels.", "invalidSyntax"
    )
    assert not users_named("d@acme.test")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ('{"userName": "a\\ud800b@acme.test"}',
         "'userName' contains an unpaired UTF-16 surrogate, which is not allowed."),
        ('{"userName": "s@acme.test", "title": "\\udfff"}',
         "'title' contains an unpaired UTF-16 surrogate, which is not allowed."),
        ('{"userName": "s@acme.test", "emails": [{"value": "s\\u0000@acme.test"}]}',
         "'emails[0].value' contains a NUL character, which is not allowed."),
        ('{"userName": "s@acme.test", "name": {"given\\u0000Name": "S"}}',
         "'name.given\\u0000Name' contains a NUL character, which is not allowed."),
    ],
)  # fmt: skip
def test_nul_and_lone_surrogates_are_refused_where_they_enter(scim, body, detail):
    response = scim.post("/Users", body)
    assert response.status_code == 400
    assert response.json() == error_body(400, detail, "invalidValue")
    assert not in_schema("acme", User.objects.filter(source="scim").exists)


def test_a_patch_with_a_lone_surrogate_changes_nothing(scim, bob):
    operations = ('[{"op": "Replace", "path": "title", "value": "Boss"}, '
                  '{"op": "Replace", "path": "displayName", "value": "\\ud83d"}]')  # fmt: skip
    body = f'{{"schemas": ["{PATCH_OP}"], "Operations": {operations}}}'
    response = scim.patch(f"/Users/{bob.pk}", body)
    assert response.status_code == 400
    assert response.json() == error_body(
        400,
        "'Operations[1].value' contains an unpaired UTF-16 surrogate, which is not allowed.",
        "invalidValue",
    )
    after = in_schema("acme", lambda: User.objects.get(pk=bob.pk))
    assert (after.title, after.version) == (bob.title, bob.version)


@pytest.mark.parametrize("path", ["/Users/.search", "/Groups/.search", "/.search"])
@pytest.mark.parametrize(
    ("body", "name"),
    [('{"startIndex": 1e999}', "startIndex"), ('{"count": -1e999}', "count"),
     ('{"count": "1e3"}', "count"), ('{"startIndex": true}', "startIndex")],
)  # fmt: skip
def test_search_paging_that_is_not_an_integer(scim, path, body, name):
    response = scim.post(path, body)
    assert response.status_code == 400
    assert response.json() == error_body(400, f"'{name}' must be an integer.", "invalidValue")


def test_search_paging_beyond_any_list_is_clamped(scim, bob):
    body = {"schemas": [SEARCH], "startIndex": 10**30, "count": 1e300}
    response = scim.post("/Users/.search", body)
    assert response.status_code == 200
    assert response.json() == {**EMPTY, "totalResults": 2, "startIndex": 2**31 - 1}


@pytest.mark.parametrize("query", ["startIndex=1e999", "count=inf", "startIndex=1.5"])
def test_query_paging_that_is_not_an_integer(scim, query):
    response = scim.get(f"/Users?{query}")
    name = query.split("=")[0]
    assert response.json() == error_body(400, f"'{name}' must be an integer.", "invalidValue")


@pytest.mark.parametrize(
    ("resource", "expression"),
    [
        ("Users", 'id eq "not-a-uuid"'),
        ("Users", 'id eq "not-a-uuid" and active eq true'),
        ("Users", 'manager.value eq "not-a-uuid"'),
        ("Users", f'{ENTERPRISE}:manager.value eq "not-a-uuid"'),
        ("Users", 'groups.value eq "not-a-uuid"'),
        ("Groups", 'id eq "not-a-uuid"'),
        ("Groups", 'members.value eq "not-a-uuid"'),
        ("Groups", 'members[value eq "not-a-uuid"]'),
    ],
)
@pytest.mark.parametrize("projection", ["", "&attributes=id", "&excludedAttributes=members"])
def test_an_id_that_is_not_a_uuid_matches_nothing(scim, bob, resource, expression, projection):
    response = filtered(scim, resource, expression, projection)
    assert response.status_code == 200
    assert response.json() == EMPTY


def filtered(client, resource: str, expression: str, extra: str = ""):
    return client.get(f"/{resource}?filter={quote(expression)}{extra}")


def test_not_a_malformed_id_matches_everyone(scim, bob):
    response = filtered(scim, "Users", 'not (id eq "x")', "&attributes=userName")
    assert sorted(r["userName"] for r in response.json()["Resources"]) == [
        "alice@acme.test", "bob@acme.test",
    ]  # fmt: skip
    search = scim.post("/.search", {"filter": 'id eq "x"'})
    assert search.json() == EMPTY


def test_another_organisations_id_matches_nothing(scim, globex_scim, bob):
    assert filtered(globex_scim, "Users", f'id eq "{bob.pk}"').json() == EMPTY
    assert filtered(globex_scim, "Groups", f'members.value eq "{bob.pk}"').json() == EMPTY
    assert filtered(scim, "Users", f'id eq "{bob.pk}"').json()["totalResults"] == 1


@pytest.mark.parametrize(
    ("query", "name"),
    [("sortBy=%00", "sortBy"), ("attributes=userName%00", "attributes"),
     ("excludedAttributes=%00", "excludedAttributes"), ("x%00=1", "x\\u0000")],
)  # fmt: skip
def test_nul_in_a_query_parameter(scim, query, name):
    response = scim.get(f"/Users?{query}")
    assert response.status_code == 400
    assert response.json() == error_body(
        400, f"The parameter '{name}' contains a NUL character, which is not allowed.",
        "invalidValue",
    )  # fmt: skip


def test_nul_in_a_filter_is_invalid_filter(scim):
    response = scim.get("/Users?filter=" + quote('userName eq "a\x00"'))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


def test_nul_in_the_path_is_a_404(scim):
    response = scim.get("/Users/%00")
    assert response.status_code == 404
    assert response.json() == error_body(
        404, "There is no SCIM resource at /scim/v2/Users/\\u0000."
    )


def test_a_path_with_a_newline_is_a_scim_404(scim):
    response = scim.get("/%0A")
    assert response.status_code == 404
    assert response.json() == error_body(404, "There is no SCIM endpoint at /scim/v2/\n.")


def test_an_error_that_quotes_bad_input_can_be_encoded():
    error = ScimError(400, "Unknown attribute 'a\x00\ud800'.", "invalidPath")
    assert error.body()["detail"] == "Unknown attribute 'a\\u0000\\ud800'."
    assert error.detail.encode("utf-8")


def test_a_number_too_long_for_python_in_a_filter_is_invalid_filter(scim):
    response = scim.post("/Users/.search", {"filter": "userName eq 1" + "0" * 5000})
    assert response.status_code == 400
    assert response.json() == error_body(
        400, "The filter could not be parsed: number too long '1000000000000000000000000000000000"
        "000000…' at position 12.", "invalidFilter",
    )  # fmt: skip
