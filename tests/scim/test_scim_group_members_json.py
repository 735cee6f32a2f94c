"""A group's `members`, rendered as JSON text by PostgreSQL and spliced into the response:
the same bytes DRF's JSON renderer wrote for the same document, whatever the names hold,
with `attributes`/`excludedAttributes`, in lists, and per organisation."""

import json
from urllib.parse import quote

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from rest_framework.renderers import JSONRenderer

from accounts.models import Group, Membership, User
from scim.attributes import Projection
from tests.scim.conftest import GROUP_SCHEMA, LIST, ScimClient, error_body, in_schema, meta

pytestmark = pytest.mark.django_db

# Names that JSON must escape, or that a careless escaper would: quotes, backslashes,
# control characters, JavaScript's line separators, bidi overrides, non-BMP characters.
AWKWARD_NAMES = [
    'Quote " backslash \\ slash / done',
    "Ünïcödé 名前 😀 \u202eevil",
    "controls \x01\x08\x0b\x1f\x7f tab\t newline\n return\r bs\b ff\f",
    "separators \u2028 and \u2029",
    "",
    None,
]


def rendered(document: dict) -> bytes:
    """What DRF's JSONRenderer (the SCIM renderer's parent) writes for a document."""
    return JSONRenderer().render(document)


def users_in_group(slug: str, group: Group, names: list[str | None]) -> list[User]:
    with schema_context(slug):
        users = [
            User.objects.create(user_name=f"m{i}@{slug}.test", display_name=name, source="scim")
            for i, name in enumerate(names)
        ]
        for user in users:  # one by one: members are listed in the order they were added
            Membership.objects.create(group=group, user=user)
    return users


def member(user_id: object, display: str | None, *, slug: str = "acme") -> dict:
    base = f"http://{slug}.looop.localhost/scim/v2"
    doc = {"value": str(user_id), "$ref": f"{base}/Users/{user_id}", "type": "User"}
    if display is not None:
        doc["display"] = display
    return doc


def expected_document(slug: str, group: Group) -> dict:
    """The full document, from the database rows."""
    with schema_context(slug):
        group.refresh_from_db()
        rows = (
            Membership.objects.filter(group=group)
            .order_by("id")
            .values_list("user_id", "user__display_name")
        )
        members = [member(user_id, display, slug=slug) for user_id, display in rows]
    document: dict = {"schemas": [GROUP_SCHEMA], "id": str(group.pk)}
    if group.external_id is not None:
        document["externalId"] = group.external_id
    document["displayName"] = group.display_name
    if members:
        document["members"] = members
    document["meta"] = meta("Group", group, slug=slug)
    return document


@pytest.fixture
def team(acme) -> Group:
    with schema_context("acme"):
        return Group.objects.create(display_name="Team", external_id="ext-team")


@pytest.fixture
def awkward_team(team) -> Group:
    users_in_group("acme", team, AWKWARD_NAMES)
    return team


def test_a_small_group_is_the_same_document_byte_for_byte(scim, team):
    users_in_group("acme", team, ["Ann", "Bob", None])
    response = scim.get(f"/Groups/{team.pk}")
    assert response.status_code == 200
    expected = expected_document("acme", team)
    assert [m.get("display") for m in expected["members"]] == ["Ann", "Bob", None]
    assert response.json() == expected
    assert response.content == rendered(expected)
    assert response["ETag"] == expected["meta"]["version"]


def test_a_group_of_a_few_thousand_is_the_same_document_byte_for_byte(scim, team):
    with schema_context("acme"), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {User._meta.db_table} (id, password, user_name, active, emails,
                    phone_numbers, addresses, role, source, created, last_modified, version,
                    session_epoch, is_staff, is_superuser, display_name)
                SELECT gen_random_uuid(), '!', 'k' || g || '@acme.test', true, '[]', '[]',
                    '[]', 'member', 'scim', now(), now(), 1, 0, false, false,
                    CASE WHEN g % 7 = 0 THEN NULL ELSE 'Name "' || g || E'"\\t' END
                FROM generate_series(1, 3000) AS g"""
        )
        cursor.execute(  # added in an order of their own, not by id or name
            f"""INSERT INTO {Membership._meta.db_table} (group_id, user_id, created)
                SELECT %s, id, now() FROM {User._meta.db_table}
                WHERE user_name LIKE 'k%%' ORDER BY md5(user_name)""",
            [team.pk],
        )
    expected = expected_document("acme", team)
    assert len(expected["members"]) == 3000
    response = scim.get(f"/Groups/{team.pk}")
    assert response.status_code == 200
    assert response.content == rendered(expected)


def test_names_that_need_escaping_parse_to_the_stored_names(scim, awkward_team):
    response = scim.get(f"/Groups/{awkward_team.pk}")
    assert response.status_code == 200
    assert [m.get("display") for m in response.json()["members"]] == AWKWARD_NAMES
    expected = expected_document("acme", awkward_team)
    assert response.json() == expected
    assert response.content == rendered(expected)
    assert b"\xe2\x80\xa8" not in response.content  # U+2028 is escaped, as DRF does
    assert b"\\u2028" in response.content and b"\\u001f" in response.content


def test_plain_json_is_the_same_body(scim, awkward_team):
    response = scim.get(f"/Groups/{awkward_team.pk}", HTTP_ACCEPT="application/json")
    assert response["Content-Type"] == "application/json"
    assert response.content == rendered(expected_document("acme", awkward_team))


@pytest.mark.parametrize(
    ("attributes", "excluded"),
    [
        ("members", None),
        ("members.value", None),
        ("displayName,members.display", None),
        ("urn:ietf:params:scim:schemas:core:2.0:Group:members.$ref", None),
        ("displayName", None),
        ("meta.version,members", None),
        (None, "members"),
        (None, "members.display"),
        (None, "meta"),
        (None, "members.$ref,members.type,meta.location"),
        (None, "displayName,externalId,meta"),
        ("members", "members"),  # attributes wins (RFC 7644 §3.9)
    ],
)
def test_attributes_and_excluded_attributes_on_members(scim, awkward_team, attributes, excluded):
    query = "&".join(
        f"{name}={quote(value)}"
        for name, value in (("attributes", attributes), ("excludedAttributes", excluded))
        if value is not None
    )
    response = scim.get(f"/Groups/{awkward_team.pk}?{query}")
    assert response.status_code == 200
    full = expected_document("acme", awkward_team)
    expected = Projection.parse(attributes, excluded).apply(full)
    assert response.json() == expected
    assert response.content == rendered(expected)


def test_members_sub_attributes_by_hand(scim, team):
    ann, bob = users_in_group("acme", team, ["Ann", None])
    response = scim.get(f"/Groups/{team.pk}?attributes=members.value")
    assert response.json() == {
        "schemas": [GROUP_SCHEMA],
        "id": str(team.pk),
        "members": [{"value": str(ann.pk)}, {"value": str(bob.pk)}],
    }
    response = scim.get(f"/Groups/{team.pk}?excludedAttributes=members.display,meta")
    assert response.json() == {
        "schemas": [GROUP_SCHEMA],
        "id": str(team.pk),
        "externalId": "ext-team",
        "displayName": "Team",
        "members": [
            {k: v for k, v in member(ann.pk, None).items()},
            {k: v for k, v in member(bob.pk, None).items()},
        ],
    }


def test_a_group_without_members_has_no_members_attribute(scim, team):
    response = scim.get(f"/Groups/{team.pk}?attributes=members")
    assert response.json() == {"schemas": [GROUP_SCHEMA], "id": str(team.pk)}
    response = scim.get(f"/Groups/{team.pk}")
    assert response.content == rendered(expected_document("acme", team))


@pytest.mark.parametrize(
    "path",
    [
        '/Groups?filter=displayName eq "Team"',  # Entra's lookup: a precompiled statement
        '/Groups?filter=displayName sw "Te"',
        "/Groups?startIndex=1&count=5",
    ],
)
def test_lists_carry_the_same_members(scim, awkward_team, path):
    response = scim.get(path)
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 1,
        "startIndex": 1,
        "itemsPerPage": 1,
        "Resources": [expected_document("acme", awkward_team)],
    }


def test_a_later_page_and_search_carry_the_same_members(scim, awkward_team):
    with schema_context("acme"):
        Group.objects.create(display_name="Another")  # created later: sorts second
    page = scim.get("/Groups?startIndex=1&count=1&filter=displayName pr").json()
    assert page["Resources"] == [expected_document("acme", awkward_team)]
    searched = scim.post("/.search", {"filter": 'displayName eq "Team"'}).json()
    assert searched["Resources"] == [expected_document("acme", awkward_team)]


def test_each_organisation_s_members_point_to_its_own_host(scim, globex_scim, team, globex):
    """One compiled statement serves every organisation; the base URL is per request."""
    users_in_group("acme", team, ["Ann"])
    with schema_context("globex"):
        globex_team = Group.objects.create(display_name="Team")
    users_in_group("globex", globex_team, ["Gus"])
    for client, slug, group in ((scim, "acme", team), (globex_scim, "globex", globex_team)):
        expected = expected_document(slug, group)
        assert expected["members"][0]["$ref"].startswith(f"http://{slug}.looop.localhost/")
        assert client.get(f"/Groups/{group.pk}").content == rendered(expected)
        listed = client.get('/Groups?filter=displayName eq "Team"').json()
        assert listed["Resources"] == [expected]


def test_another_organisation_s_group_is_not_found(globex_scim, awkward_team):
    for query in ("", "?attributes=members", "?excludedAttributes=members"):
        response = globex_scim.get(f"/Groups/{awkward_team.pk}{query}")
        assert response.status_code == 404
        assert response.json() == error_body(404, f"Group {awkward_team.pk} not found.")
    listed = globex_scim.get('/Groups?filter=displayName eq "Team"').json()
    assert listed["totalResults"] == 0 and listed["Resources"] == []


def test_create_replace_and_patch_answer_the_same_document(scim, acme):
    with schema_context("acme"):
        ann = User.objects.create(user_name="ann@acme.test", display_name='A "q"', source="scim")
        bob = User.objects.create(user_name="bob@acme.test", display_name=None, source="scim")
    created = scim.post("/Groups", {"displayName": "New", "members": [{"value": str(ann.pk)}]})
    assert created.status_code == 201
    group = in_schema("acme", lambda: Group.objects.get(display_name="New"))
    assert created.content == rendered(expected_document("acme", group))
    assert created["Location"] == f"http://acme.looop.localhost/scim/v2/Groups/{group.pk}"
    assert created["ETag"] == f'W/"{group.version}"'

    body = {"displayName": "Renamed", "members": [{"value": str(bob.pk)}, {"value": str(ann.pk)}]}
    replaced = scim.put(f"/Groups/{group.pk}", body)
    assert replaced.status_code == 200
    assert replaced.content == rendered(expected_document("acme", group))
    values = sorted(m["value"] for m in json.loads(replaced.content)["members"])
    assert values == sorted([str(bob.pk), str(ann.pk)])  # in the order they were added

    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Patched"}],
    }
    patched = scim.patch(f"/Groups/{group.pk}?attributes=members", patch)
    assert patched.status_code == 200
    full = expected_document("acme", group)
    assert patched.json() == {"schemas": [GROUP_SCHEMA], "id": str(group.pk),
                              "members": full["members"]}  # fmt: skip


def test_an_unknown_or_malformed_group_id_is_not_found(scim):
    for group_id in ("00000000-0000-0000-0000-000000000001", "not-a-uuid"):
        response = scim.get(f"/Groups/{group_id}")
        assert response.status_code == 404
        assert response.json() == error_body(404, f"Group {group_id} not found.")


def test_the_organisation_s_client_is_the_only_one_with_the_group(acme, awkward_team):
    """No token, no members: 401 before anything is read."""
    response = ScimClient("acme", None).get(f"/Groups/{awkward_team.pk}")
    assert response.status_code == 401
