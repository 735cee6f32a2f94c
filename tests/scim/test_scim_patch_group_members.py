"""PATCH /Groups/{id} that only adds and removes members, as Entra sends it: one round trip
that locks the group, changes the members and bumps the version, with the same answers
as any other PATCH."""

import threading
import time

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from scim.patch import patch_members_only
from tests.conftest import test_database_url as database_url
from tests.scim.conftest import PATCH_OP, LiveScim, in_schema

BASE = "http://acme.looop.localhost/scim/v2"


def ops(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def add(*users: User) -> dict:
    return {"op": "Add", "path": "members", "value": [{"$ref": None, "value": str(u.pk)}
                                                      for u in users]}  # fmt: skip


def remove(*users: User) -> dict:
    return {"op": "Remove", "path": "members", "value": [{"value": str(u.pk)} for u in users]}


@pytest.fixture
def people(acme) -> list[User]:
    with schema_context("acme"):
        return [
            user_create(actor=SYSTEM, user_name=f"f{i}@acme.test", source="scim") for i in range(5)
        ]


@pytest.fixture
def group(acme, people) -> Group:
    with schema_context("acme"):
        group = Group.objects.create(display_name="Fast", external_id="g-fast")
        Membership.objects.create(group=group, user=people[0])
        return group


def state(group: Group) -> tuple[set[str], int]:
    def read() -> tuple[set[str], int]:
        members = Membership.objects.filter(group=group).values_list("user_id", flat=True)
        return {str(m) for m in members}, Group.objects.get(pk=group.pk).version

    return in_schema("acme", read)


def test_which_patches_are_members_only():
    user_id = "2819c223-7f76-453a-919d-413861904646"
    entra_remove = {"op": "Remove", "path": "members", "value": [{"value": user_id}]}
    changes = patch_members_only(ops(entra_remove))
    assert (changes.add, changes.remove) == ([], [user_id])
    filtered = {"op": "remove", "path": f'members[value eq "{user_id}"]'}
    assert patch_members_only(ops(filtered)).remove == [user_id]
    for other in (
        {"op": "Replace", "path": "displayName", "value": "X"},
        {"op": "Replace", "path": "members", "value": [{"value": user_id}]},
        {"op": "add", "value": {"members": [{"value": user_id}]}},  # no path
        {"op": "Add", "path": 'members[value eq "x"]', "value": []},  # an error
    ):
        assert patch_members_only(ops(entra_remove, other)) is None
    assert patch_members_only({"Operations": []}) is None


def test_adds_and_removes_in_one_round_trip(scim, group, people):
    with CaptureQueriesContext(connection) as queries:
        response = scim.patch(f"/Groups/{group.pk}", ops(add(people[1], people[2]),
                                                        remove(people[0])))  # fmt: skip
    assert response.status_code == 204
    assert response["ETag"] == 'W/"2"'
    assert state(group) == ({str(people[1].pk), str(people[2].pk)}, 2)
    tables = (Group._meta.db_table, Membership._meta.db_table)
    sql = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in tables)]
    # Two statements pipelined in one round trip: the lock, then the members and the version.
    assert len(sql) == 2
    assert sql[0].endswith("FOR NO KEY UPDATE")
    assert "DELETE FROM" in sql[1] and "INSERT INTO" in sql[1] and "UPDATE" in sql[1]
    with schema_context("acme"):
        added = Membership.objects.get(group=group, user=people[1]).created
        assert Group.objects.get(pk=group.pk).last_modified == added


def test_members_keep_the_order_sent(scim, group, people):
    assert scim.patch(f"/Groups/{group.pk}", ops(add(people[4], people[2]))).status_code == 204
    document = scim.get(f"/Groups/{group.pk}").json()
    assert [m["value"] for m in document["members"]][-2:] == [str(people[4].pk), str(people[2].pk)]


def test_no_change_keeps_the_version(scim, group, people):
    response = scim.patch(f"/Groups/{group.pk}", ops(add(people[0]), remove(people[3])))
    assert response.status_code == 204
    assert response["ETag"] == 'W/"1"'
    assert state(group) == ({str(people[0].pk)}, 1)


def test_an_unknown_member_changes_nothing(scim, group, people):
    stranger = "00000000-0000-0000-0000-00000000000b"
    body = ops(remove(people[0]), {"op": "Add", "path": "members", "value": [
        {"value": str(people[1].pk)}, {"value": stranger}]})  # fmt: skip
    response = scim.patch(f"/Groups/{group.pk}", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert response.json()["detail"] == "1 of the members are not users here."
    assert state(group) == ({str(people[0].pk)}, 1)


def test_a_malformed_member_id_is_refused_as_by_any_patch(scim, group, people):
    body = ops(add(people[1]), {"op": "Remove", "path": "members", "value": [{"value": "x1"}]})
    response = scim.patch(f"/Groups/{group.pk}", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert response.json()["detail"] == "'members[0].value' is not a valid id: 'x1'."
    assert state(group) == ({str(people[0].pk)}, 1)


@pytest.mark.parametrize("group_id", ["00000000-0000-0000-0000-0000000000cc", "not-a-uuid"])
def test_an_unknown_group_is_404(scim, people, group_id):
    response = scim.patch(f"/Groups/{group_id}", ops(add(people[1])))
    assert response.status_code == 404
    assert response.json()["detail"] == f"Group {group_id} not found."


def test_if_match_is_still_checked(scim, group, people):
    body = ops(add(people[1]))
    stale = scim.patch(f"/Groups/{group.pk}", body, HTTP_IF_MATCH='W/"7"')
    assert stale.status_code == 412
    fresh = scim.patch(f"/Groups/{group.pk}", body, HTTP_IF_MATCH='W/"1"')
    assert fresh.status_code == 204 and fresh["ETag"] == 'W/"2"'


def test_a_globex_group_is_not_found_from_acme(scim, globex, people):
    with schema_context("globex"):
        theirs = Group.objects.create(display_name="Theirs")
    response = scim.patch(f"/Groups/{theirs.pk}", ops(remove(people[0])))
    assert response.status_code == 404
    with schema_context("globex"):
        assert Group.objects.get(pk=theirs.pk).version == 1


def test_a_removal_waiting_for_the_lock_sees_the_member_added_meanwhile(
    live_scim: LiveScim, live_org, django_db_blocker
):
    """Another transaction holds the group and adds a member; a removal of that member
    waits for it and must then remove it. (The changes run after the lock is granted, with
    a snapshot that includes what committed while waiting.)"""
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        member = user_create(actor=SYSTEM, user_name=f"late@{slug}.test", source="scim")
        group = Group.objects.create(display_name="Contended")
    table, membership = f'"{slug}"."accounts_group"', f'"{slug}"."accounts_membership"'
    with psycopg.connect(database_url()) as holder:
        holder.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR NO KEY UPDATE", [group.pk])
        holder.execute(
            f"INSERT INTO {membership} (group_id, user_id, created) VALUES (%s, %s, now())",
            [group.pk, member.pk],
        )
        result: list[int] = []
        request = threading.Thread(target=lambda: result.append(live_scim.request(
            "PATCH", f"/Groups/{group.pk}", ops(remove(member)))[0]))  # fmt: skip
        request.start()
        with psycopg.connect(database_url(), autocommit=True) as watcher:
            deadline = time.monotonic() + 10
            while not watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%%FOR NO KEY UPDATE%%' AND pid <> %s",
                [holder.info.backend_pid],
            ).fetchone():
                assert time.monotonic() < deadline, "the PATCH never waited for the lock"
                time.sleep(0.02)
        holder.commit()
    request.join(10)
    assert result == [204]
    with django_db_blocker.unblock(), schema_context(slug):
        assert not Membership.objects.filter(group=group).exists()
        assert Group.objects.get(pk=group.pk).version == 2
