"""A group of 100,000 members: reads without members never touch them, member changes are
single statements, and the full document still renders."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts import hooks
from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import group_members_replace
from tests.scim.conftest import PATCH_OP, in_schema

pytestmark = pytest.mark.django_db
SIZE = 100_000


@pytest.fixture
def big_group(acme) -> Group:
    with schema_context("acme"), connection.cursor() as cursor:
        group = Group.objects.create(display_name="Everyone")
        cursor.execute(
            f"""
            INSERT INTO {User._meta.db_table} (id, password, user_name, active, emails,
                phone_numbers, addresses, role, source, created, last_modified, version,
                session_epoch, is_staff, is_superuser, display_name)
            SELECT gen_random_uuid(), '!', 'big' || g || '@acme.test', true, '[]', '[]', '[]',
                'member', 'scim', now(), now(), 1, 0, false, false, 'Big ' || g
            FROM generate_series(1, %s) AS g
            """,
            [SIZE],
        )
        cursor.execute(f"ANALYZE {User._meta.db_table}")  # plans (and FK checks) use indexes
        cursor.execute(
            f"""
            INSERT INTO {Membership._meta.db_table} (group_id, user_id, created)
            SELECT %s, id, now() FROM {User._meta.db_table} WHERE user_name LIKE 'big%%'
            """,
            [group.pk],
        )
        cursor.execute(f"ANALYZE {Membership._meta.db_table}")
    return group


def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def test_a_group_of_100000_members(scim, big_group, alice):
    group_id = str(big_group.pk)
    membership = Membership._meta.db_table
    scim.get('/Groups?filter=displayName eq "warm-up"')  # first use builds the filter parser

    with CaptureQueriesContext(connection) as queries:
        lookup, seconds = timed(lambda: scim.get(
            '/Groups?excludedAttributes=members&filter=displayName eq "Everyone"'))  # fmt: skip
    assert lookup.json()["totalResults"] == 1 and "members" not in lookup.json()["Resources"][0]
    assert not [q for q in queries.captured_queries if membership in q["sql"]]
    assert seconds < 0.5

    add = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": str(alice.pk)}]}]}  # fmt: skip
    response, seconds = timed(lambda: scim.patch(f"/Groups/{group_id}", add))
    assert response.status_code == 204 and seconds < 0.5
    remove = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": str(alice.pk)}]}]}  # fmt: skip
    response, seconds = timed(lambda: scim.patch(f"/Groups/{group_id}", remove))
    assert response.status_code == 204 and seconds < 0.5
    assert in_schema("acme", Membership.objects.filter(group=big_group).count) == SIZE

    full, seconds = timed(lambda: scim.get(f"/Groups/{group_id}"))
    members = full.json()["members"]
    assert len(members) == SIZE
    assert members[0]["type"] == "User" and members[0]["display"].startswith("Big ")
    assert seconds < 10

    # Replacing the whole set with 100,000 ids (half new) is one hashed anti-join.
    with schema_context("acme"):
        ids = [str(u) for u in Membership.objects.filter(group=big_group).values_list(
            "user_id", flat=True)[: SIZE // 2]]  # fmt: skip
        changes: list[hooks.Change] = []
        hooks.subscribe(changes.append)
        try:
            group, seconds = timed(lambda: group_members_replace(
                group=Group.objects.get(pk=big_group.pk), user_ids=ids, actor=SYSTEM))  # fmt: skip
        finally:
            hooks.unsubscribe(changes.append)
        assert seconds < 5 and len(changes) == 1
        assert (len(changes[0].added), len(changes[0].removed)) == (0, SIZE // 2)
        assert group.version == Group.objects.get(pk=big_group.pk).version
        assert Membership.objects.filter(group=big_group).count() == SIZE // 2

    response, seconds = timed(lambda: scim.delete(f"/Groups/{group_id}"))
    assert response.status_code == 204 and seconds < 5
    assert in_schema("acme", Membership.objects.count) == 0


def test_membership_lookups_use_the_two_indexes_it_keeps(big_group, alice):
    """By group: the unique (group_id, user_id) index; by user: membership_user_idx. No other
    index is kept, since each costs a write per member added or removed."""
    table = Membership._meta.db_table
    with schema_context("acme"), connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'acme' AND tablename = %s",
            [table],
        )
        assert sorted(r[0] for r in cursor.fetchall()) == [
            f"{table}_pkey", "membership_unique", "membership_user_idx",
        ]  # fmt: skip
        plans = {}
        other = Group.objects.create(display_name="Few")  # not the group every row is in
        for column, value in (("group_id", other.pk), ("user_id", alice.pk)):
            cursor.execute(f"EXPLAIN SELECT 1 FROM {table} WHERE {column} = %s LIMIT 10", [value])
            plans[column] = " ".join(r[0] for r in cursor.fetchall())
    assert "membership_unique" in plans["group_id"]
    assert "membership_user_idx" in plans["user_id"]
