"""A user being deleted never stays a member: DELETE /Users/<id> racing with member adds
of that user (what Entra sends while deprovisioning), and the database rule beneath it."""

import importlib
import threading
import time
import uuid
from urllib.parse import quote

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import Group, Membership, User
from accounts.services import user_create
from tests.scim.conftest import ERROR, PATCH_OP, USER_SCHEMA, other_session, parallel

ROUNDS = 50
ORPHANS = """
SELECT count(*) FROM {schema}.accounts_membership m
JOIN {schema}.accounts_user u ON u.id = m.user_id WHERE u.deleted_at IS NOT NULL
"""


def add_body(user_id: str) -> dict:
    value = [{"value": user_id}]
    return {"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": value}]}


def orphans(schema: str) -> int:
    with other_session() as session:
        return session.execute(ORPHANS.format(schema=schema)).fetchone()[0]


def test_a_deleted_user_never_stays_in_a_group_50_contended_rounds(
    live_scim, live_org, django_db_blocker
):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        groups = [str(Group.objects.create(display_name=f"G{i}").pk) for i in range(2)]
    not_a_user = {"schemas": [ERROR], "status": "400", "scimType": "invalidValue",
                  "detail": "1 of the members are not users here."}  # fmt: skip
    deleted = []
    for round_ in range(ROUNDS):
        status, user = live_scim.request(
            "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": f"leaver{round_}@x.test"}
        )
        assert status == 201
        user_id = user["id"]

        def job(i: int, user_id: str = user_id) -> tuple[int, object]:
            if i == 0:
                return live_scim.request("DELETE", f"/Users/{user_id}")
            return live_scim.request("PATCH", f"/Groups/{groups[i % 2]}", add_body(user_id))

        results = parallel(5, job)
        assert results[0] == (204, None)
        # An add that ran first succeeded (and the delete removed it); one that ran after
        # the delete refused the unknown member.
        assert [r for r in results[1:] if r not in ((204, None), (400, not_a_user))] == []
        deleted.append(user_id)

    assert orphans(slug) == 0
    for group_id in groups:
        status, document = live_scim.request("GET", f"/Groups/{group_id}")
        assert status == 200 and document.get("members", []) == []
    for user_id in deleted[:10]:
        assert live_scim.request("GET", f"/Users/{user_id}")[0] == 404
        query = quote(f'members.value eq "{user_id}"')
        status, found = live_scim.request("GET", f"/Groups?filter={query}")
        assert (status, found["totalResults"]) == (200, 0)


def committed_user_and_group(schema: str) -> tuple[User, Group]:
    with schema_context(schema):
        user = user_create(user_name=f"u{uuid.uuid4().hex[:8]}@x.test", source="scim")
        return user, Group.objects.create(display_name="Staff")


def test_an_insert_waiting_on_a_delete_in_progress_drops_the_deleted_member(
    two_orgs, django_db_blocker
):
    """The rule holds in the database, whoever inserts: here two plain SQL sessions."""
    schema, _ = two_orgs
    user, group = committed_user_and_group(schema)
    insert = (
        f"INSERT INTO {schema}.accounts_membership (group_id, user_id, created)"
        " VALUES (%s, %s, now())"
    )
    with other_session() as deleter, other_session() as adder:
        deleter.execute("BEGIN")
        deleter.execute(
            f"SELECT 1 FROM {schema}.accounts_user WHERE id = %s FOR NO KEY UPDATE", [user.pk]
        )
        deleter.execute(
            f"UPDATE {schema}.accounts_user SET deleted_at = now() WHERE id = %s", [user.pk]
        )
        done = threading.Event()
        thread = threading.Thread(
            target=lambda: (adder.execute(insert, [group.pk, user.pk]), done.set())
        )
        thread.start()
        time.sleep(0.3)
        assert not done.is_set()  # the insert waits for the delete
        deleter.execute("COMMIT")
        thread.join(10)
        assert done.is_set()
    with schema_context(schema):
        assert list(Membership.objects.filter(user_id=user.pk)) == []


def test_live_members_are_inserted_as_before(two_orgs, django_db_blocker):
    schema, _ = two_orgs
    user, group = committed_user_and_group(schema)
    with schema_context(schema):
        Membership.objects.create(user=user, group=group)
        assert list(Membership.objects.values_list("group_id", "user_id")) == [(group.pk, user.pk)]


@pytest.mark.django_db
def test_the_repair_migration_drops_existing_orphans_and_moves_their_groups_on(acme, alice):
    repair = importlib.import_module("accounts.migrations.0010_membership_orphans_repair").REPAIR
    with schema_context("acme"):
        leaver = user_create(user_name="leaver@acme.test", source="scim")
        staff, other = (
            Group.objects.create(display_name="Staff"),
            Group.objects.create(display_name="Other"),
        )
        Membership.objects.create(user=alice, group=staff)
        Membership.objects.create(user=leaver, group=staff)
        # Deleted without its memberships, as the race left them.
        User.objects.filter(pk=leaver.pk).update(deleted_at=staff.created)
        with connection.cursor() as cursor:
            cursor.execute(repair)
        assert list(Membership.objects.values_list("group_id", "user_id")) == [(staff.pk, alice.pk)]
        versions = dict(Group.objects.values_list("display_name", "version"))
        assert versions == {"Staff": staff.version + 1, "Other": other.version}
