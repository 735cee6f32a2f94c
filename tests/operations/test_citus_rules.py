"""The rules that let organisation schemas move to Citus worker nodes one schema each
(docs/scaling.md): no foreign key leaves a schema, and no statement touches two
organisation schemas."""

import re
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import Organisation
from scim.services import token_create
from tests.conftest import host_client

SCHEMA_QUALIFIED = re.compile(r'"?([A-Za-z_][A-Za-z0-9_]*)"?\s*\.\s*"?[A-Za-z_]')
CROSS_SCHEMA_FOREIGN_KEYS = """
    SELECT source.nspname || '.' || conrelid::regclass::text, conname,
           target.nspname || '.' || confrelid::regclass::text
    FROM pg_constraint
    JOIN pg_class src ON src.oid = conrelid JOIN pg_namespace source ON source.oid = src.relnamespace
    JOIN pg_class tgt ON tgt.oid = confrelid JOIN pg_namespace target ON target.oid = tgt.relnamespace
    WHERE contype = 'f' AND source.oid <> target.oid
"""  # noqa: E501
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def tenant_schemas() -> set[str]:
    return {*Organisation.objects.values_list("schema_name", flat=True),
            settings.TENANT_BASE_SCHEMA} - {"public"}  # fmt: skip


def schemas_touched(sql: str, search_path_schema: str, tenants: set[str]) -> set[str]:
    """Organisation schemas a statement can reach: those it names, and the one its search
    path leads to (unqualified names resolve there first)."""
    named = set(SCHEMA_QUALIFIED.findall(sql)) & tenants
    return named | ({search_path_schema} & tenants)


def test_no_foreign_key_leaves_its_schema(db):
    with connection.cursor() as cursor:
        cursor.execute(CROSS_SCHEMA_FOREIGN_KEYS)
        assert cursor.fetchall() == []
        # Not vacuous: organisation schemas do have foreign keys, inside themselves.
        cursor.execute(
            "SELECT count(*) FROM pg_constraint JOIN pg_namespace n ON n.oid = connamespace"
            " WHERE contype = 'f' AND n.nspname = 'acme'"
        )
        assert cursor.fetchone()[0] > 5


def test_the_checker_sees_a_join_of_two_organisations(db):
    tenants = {"acme", "globex", "looop_template"}
    join = 'SELECT 1 FROM "acme"."accounts_user" a JOIN "globex"."accounts_user" b ON true'
    assert schemas_touched(join, "public", tenants) == {"acme", "globex"}
    assert schemas_touched('SELECT 1 FROM "globex".accounts_user', "acme", tenants) == {
        "acme", "globex",
    }  # fmt: skip
    assert schemas_touched('SELECT "accounts_user"."id" FROM accounts_user', "acme", tenants) == {
        "acme"
    }
    assert schemas_touched("SELECT 1 FROM public.accounts_domain", "public", tenants) == set()


@pytest.fixture
def statements(db) -> Iterator[list[tuple[str, str]]]:
    """Every statement run on this thread's connection, with the schema its search path had."""
    captured: list[tuple[str, str]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, context["connection"].schema_name))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        yield captured


def scim_requests(slug: str) -> None:
    """Entra's cycle on one organisation: filters, create, get, patch, groups, delete."""
    with schema_context(slug):
        _, secret = token_create(name=f"rules {uuid.uuid4().hex[:6]}")
    client = host_client(slug)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "content_type": "application/scim+json"}
    name = f"rules.{uuid.uuid4().hex[:8]}@{slug}.test"
    get = lambda path: client.get(f"/scim/v2{path}", **auth)  # noqa: E731
    assert get(f'/Users?filter=userName eq "{name}"').status_code == 200
    user = client.post("/scim/v2/Users", {"schemas": [USER], "userName": name,
                       "emails": [{"value": name, "type": "work"}]}, **auth).json()  # fmt: skip
    assert get(f"/Users/{user['id']}").status_code == 200
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "title",
                                                    "value": "Engineer"}]}  # fmt: skip
    assert client.patch(f"/scim/v2/Users/{user['id']}", patch, **auth).status_code == 200
    group = client.post("/scim/v2/Groups", {"schemas": [GROUP], "displayName": name},
                        **auth).json()  # fmt: skip
    add = {"op": "Add", "path": "members", "value": [{"value": user["id"]}]}
    members = {"schemas": [PATCH_OP], "Operations": [add]}
    assert client.patch(f"/scim/v2/Groups/{group['id']}", members, **auth).status_code == 204
    assert get(f"/Groups/{group['id']}").status_code == 200
    assert get(f'/Groups?filter=members.value eq "{user["id"]}"').status_code == 200
    assert get("/Users?startIndex=1&count=10&sortBy=userName").status_code == 200
    assert get("/ServiceProviderConfig").status_code == 200
    assert client.delete(f"/scim/v2/Users/{user['id']}", **auth).status_code == 204
    assert get(f"/Users/{user['id']}").status_code == 404


def test_no_statement_touches_two_organisations(statements, alice_client, alice, globex):
    scim_requests("acme")
    scim_requests("globex")
    for path in ["/", "/people", f"/people/{alice.pk}", "/people?q=ali", "/groups",
                 "/account/provisioning"]:  # fmt: skip
        assert alice_client.get(path).status_code == 200, path
    public = host_client(None)
    assert public.get("/find?q=acme").status_code == 200
    assert public.get("/signup/slug-available?slug=newco").status_code == 200

    tenants = tenant_schemas()
    reached = [(sql, schemas_touched(sql, schema, tenants)) for sql, schema in statements]
    assert [(sql, touched) for sql, touched in reached if len(touched) > 1] == []
    # Not vacuous: both organisations' schemas were used, and the public schema alone too.
    assert {schema for _, touched in reached for schema in touched} >= {"acme", "globex"}
    assert any(not touched for _, touched in reached)
    assert len(statements) > 60
