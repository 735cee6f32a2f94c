"""A person's History shows Entra's routine work through SCIM: created, edited, added to and
removed from groups, deactivated, each by the token's name, newest first, paged; the paged
read uses its index (EXPLAIN)."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, User
from accounts.selectors import audit_entries
from accounts.views_account import AUTHENTICATION_AUDIT
from scim.console import TOKEN_AUDIT
from tests.accounts.test_console_person_history import history, without_time
from tests.scim.conftest import GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, ScimClient, token_for

pytestmark = pytest.mark.django_db

ENTRA = "SCIM token “Entra production”"


@pytest.fixture
def entra(acme) -> ScimClient:
    return ScimClient("acme", token_for("acme", "Entra production"))


def patch(ops: list[dict]) -> dict:
    return {"schemas": [PATCH_OP], "Operations": ops}


def create_user(scim: ScimClient, user_name: str) -> str:
    body = {"schemas": [USER_SCHEMA], "userName": user_name, "active": True}
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def create_group(scim: ScimClient, name: str) -> str:
    response = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def entries_of(slug: str, target: str) -> list[tuple[str, str, dict]]:
    with schema_context(slug):
        rows = AuditEntry.objects.filter(target=target).order_by("at", "id")
        return [(e.actor_label, e.action, e.detail) for e in rows]


def test_entras_lifecycle_of_a_person_is_their_history(entra, alice_client):
    pat = create_user(entra, "pat@acme.test")
    edit = patch(
        [
            {"op": "Replace", "path": "title", "value": "Engineer"},
            {
                "op": "Replace",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "value": "R&D",
            },
        ]
    )
    assert entra.patch(f"/Users/{pat}", edit).status_code == 200
    sales = create_group(entra, "Sales")
    add = patch([{"op": "Add", "path": "members", "value": [{"value": pat}]}])
    assert entra.patch(f"/Groups/{sales}", add).status_code == 204
    # Entra's aadOptscim062020 dialect: the member named in a value filter.
    remove = patch([{"op": "remove", "path": f'members[value eq "{pat}"]'}])
    assert entra.patch(f"/Groups/{sales}?aadOptscim062020", remove).status_code == 204
    off = patch([{"op": "Replace", "path": "active", "value": "False"}])
    assert entra.patch(f"/Users/{pat}", off).status_code == 200

    response = alice_client.get(f"/people/{pat}")
    assert response.status_code == 200
    assert without_time(history(response)) == [
        f"{ENTRA} deactivated pat@acme.test",
        f"{ENTRA} removed pat@acme.test from the group Sales",
        f"{ENTRA} added pat@acme.test to the group Sales",
        f"{ENTRA} edited department, title of pat@acme.test",
        f"{ENTRA} created pat@acme.test as member",
    ]
    group = {"group": sales, "display_name": "Sales"}
    assert entries_of("acme", pat) == [
        (ENTRA, "user.create", {"user_name": "pat@acme.test", "role": "member"}),
        (ENTRA, "user.update", {"user_name": "pat@acme.test", "changed": ["department", "title"]}),
        (ENTRA, "group.member_add", group),
        (ENTRA, "group.member_remove", group),
        (ENTRA, "user.deactivate", {"user_name": "pat@acme.test"}),
    ]
    assert entries_of("acme", sales) == [(ENTRA, "group.create", {"display_name": "Sales"})]


def test_a_patch_that_changes_nothing_writes_no_entry(entra):
    pat = create_user(entra, "pat@acme.test")
    same = patch([{"op": "Replace", "path": "userName", "value": "pat@acme.test"}])
    assert entra.patch(f"/Users/{pat}", same).status_code == 200
    sales = create_group(entra, "Sales")
    add = patch([{"op": "Add", "path": "members", "value": [{"value": pat}]}])
    assert entra.patch(f"/Groups/{sales}", add).status_code == 204
    assert entra.patch(f"/Groups/{sales}", add).status_code == 204  # already a member
    assert [action for _, action, _ in entries_of("acme", pat)] == [
        "user.create",
        "group.member_add",
    ]


def test_member_adds_are_audited_in_one_statement_whatever_their_number(entra):
    ids = [create_user(entra, f"p{i}@acme.test") for i in range(21)]
    sales = create_group(entra, "Sales")
    one = patch([{"op": "Add", "path": "members", "value": [{"value": ids[0]}]}])
    with CaptureQueriesContext(connection) as single:
        assert entra.patch(f"/Groups/{sales}", one).status_code == 204
    many = patch([{"op": "Add", "path": "members", "value": [{"value": i} for i in ids[1:]]}])
    with CaptureQueriesContext(connection) as twenty:
        assert entra.patch(f"/Groups/{sales}", many).status_code == 204
    assert len(twenty) == len(single)
    with schema_context("acme"):
        added = AuditEntry.objects.filter(action="group.member_add").values_list("target")
        assert sorted(t for (t,) in added) == sorted(ids)


def test_put_and_delete_of_a_group_show_on_its_members_history(entra, alice_client):
    pat, sam = create_user(entra, "pat@acme.test"), create_user(entra, "sam@acme.test")
    sales = create_group(entra, "Sales")
    put = {"schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": [{"value": pat}]}
    assert entra.put(f"/Groups/{sales}", put).status_code == 200
    put["members"] = [{"value": sam}]
    assert entra.put(f"/Groups/{sales}", put).status_code == 200
    assert entra.delete(f"/Groups/{sales}").status_code == 204
    assert without_time(history(alice_client.get(f"/people/{pat}")))[:2] == [
        f"{ENTRA} removed pat@acme.test from the group Sales",
        f"{ENTRA} added pat@acme.test to the group Sales",
    ]
    assert without_time(history(alice_client.get(f"/people/{sam}")))[:2] == [
        f"{ENTRA} removed sam@acme.test from the group Sales",
        f"{ENTRA} added sam@acme.test to the group Sales",
    ]


def test_a_refused_member_change_writes_nothing(entra):
    pat = create_user(entra, "pat@acme.test")
    sales = create_group(entra, "Sales")
    unknown = "0b9e8a55-5b0c-4c43-9d38-2a4e3f8f0f00"
    add = patch([{"op": "Add", "path": "members", "value": [{"value": pat}, {"value": unknown}]}])
    response = entra.patch(f"/Groups/{sales}", add)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    stale = patch([{"op": "Add", "path": "members", "value": [{"value": pat}]}])
    response = entra.patch(f"/Groups/{sales}", stale, HTTP_IF_MATCH='W/"999"')
    assert response.status_code == 412
    assert [action for _, action, _ in entries_of("acme", pat)] == ["user.create"]
    with schema_context("acme"):
        assert not User.objects.get(pk=pat).memberships.exists()


def test_history_of_scim_changes_is_paged_newest_first(entra, alice_client):
    pat = create_user(entra, "pat@acme.test")
    for i in range(30):
        title = patch([{"op": "Replace", "path": "title", "value": f"T{i}"}])
        assert entra.patch(f"/Users/{pat}", title).status_code == 200
    first = alice_client.get(f"/people/{pat}")
    assert len(history(first)) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = alice_client.get(f"/people/{pat}", {"history_page": "2"})
    assert without_time(history(second)) == [f"{ENTRA} edited title of pat@acme.test"] * 5 + [
        f"{ENTRA} created pat@acme.test as member"
    ]


def test_another_organisations_provisioning_never_shows(entra, alice_client, globex, gina):
    pat = create_user(entra, "pat@acme.test")
    globex_scim = ScimClient("globex", token_for("globex", "Globex Entra"))
    gina_group = create_group(globex_scim, "Globex staff")
    # Globex's token names acme's person: not a user there, so refused, and nothing written.
    add = patch([{"op": "Add", "path": "members", "value": [{"value": pat}]}])
    assert globex_scim.patch(f"/Groups/{gina_group}", add).status_code == 400
    add = patch([{"op": "Add", "path": "members", "value": [{"value": str(gina.pk)}]}])
    assert globex_scim.patch(f"/Groups/{gina_group}", add).status_code == 204
    assert entries_of("globex", str(gina.pk))[-1] == (
        "SCIM token “Globex Entra”",
        "group.member_add",
        {"group": gina_group, "display_name": "Globex staff"},
    )
    assert entries_of("globex", pat) == []
    with schema_context("acme"):
        assert not AuditEntry.objects.filter(actor_label__contains="Globex").exists()
    assert without_time(history(alice_client.get(f"/people/{pat}"))) == [
        f"{ENTRA} created pat@acme.test as member"
    ]
    assert alice_client.get(f"/people/{gina.pk}").status_code == 404


def test_the_paged_history_read_uses_its_index(alice_client, alice):
    """EXPLAIN of the History page's own queries (its count and its page of 25), among 20,000
    entries about 200 people: index scans of audit_entry_target_at_idx, in the order asked
    (no sort), never a scan of the whole table."""
    table = AuditEntry._meta.db_table
    with schema_context("acme"), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (at, actor_label, action, target, detail)
            SELECT now() - g * interval '1 second', 'system', 'user.update',
                   CASE WHEN g %% 200 = 0 THEN %s ELSE 'person-' || (g %% 200) END, '{{}}'
            FROM generate_series(1, 20000) g""",
            [str(alice.pk)],
        )
        cursor.execute(f"ANALYZE {table}")
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.get(f"/people/{alice.pk}", {"history_page": "2"})
    assert response.status_code == 200
    assert len(history(response)) == 25
    reads = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]]
    assert len(reads) == 2, reads  # the count, and the page
    with schema_context("acme"), connection.cursor() as cursor:
        for sql in reads:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "audit_entry_target_at_idx" in plan, plan
            assert "Sort" not in plan and "Seq Scan" not in plan, plan


def test_account_pages_read_their_entries_through_the_settings_index(acme):
    """Among 20,000 entries about people, the Account pages' token and sign-in entries are
    read through the partial index that holds only them; people's entries are not in it."""
    table = AuditEntry._meta.db_table
    with schema_context("acme"), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (at, actor_label, action, target, detail)
            SELECT now() - g * interval '1 second', 'system',
                   CASE WHEN g % 1000 = 0 THEN 'scim_token.create' ELSE 'user.update' END,
                   'person-' || (g % 200), '{{}}'
            FROM generate_series(1, 20000) g"""
        )
        cursor.execute(f"ANALYZE {table}")
        for actions in (TOKEN_AUDIT, AUTHENTICATION_AUDIT):
            page = audit_entries(actions=actions)[:10]
            assert [e.action for e in page] == ["scim_token.create"] * 10
            sql, params = page.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "audit_entry_settings_at_idx" in plan, plan
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid"
            " WHERE c.relname = 'audit_entry_settings_at_idx'"
            " AND i.indrelid = %s::regclass",
            [table],
        )
        assert cursor.fetchone() == (1,)
