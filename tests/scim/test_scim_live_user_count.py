"""The live-user tally kept by triggers always equals a COUNT of live users, in each
organisation's schema, whatever wrote the users and whatever the search path."""

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.selectors import users_live, users_live_count
from accounts.services import user_create, user_deactivate, user_delete
from tests.scim.conftest import USER_SCHEMA, LiveScim, ScimClient, parallel


def tally_and_count(slug: str) -> tuple[int, int]:
    with schema_context(slug):
        return users_live_count(), users_live().count()


@pytest.mark.django_db
def test_the_tally_follows_every_kind_of_write(acme, globex, acme_token):
    start, _ = tally_and_count("acme")
    assert tally_and_count("acme") == (start, start) and start > 0  # cloned with the admin
    globex_before = tally_and_count("globex")
    scim = ScimClient("acme", acme_token)
    with schema_context("acme"):
        people = [
            user_create(actor=SYSTEM, user_name=f"t{i}@acme.test", source="scim") for i in range(3)
        ]
        assert tally_and_count("acme") == (start + 3, start + 3)
        user_deactivate(user=people[0], actor=SYSTEM)  # deactivated users are still live
        user_delete(user=people[1], actor=SYSTEM)
        assert tally_and_count("acme") == (start + 2, start + 2)
    created = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "t9@acme.test"})
    assert created.status_code == 201
    assert scim.delete(f"/Users/{people[2].pk}").status_code == 204
    assert tally_and_count("acme") == (start + 2, start + 2)
    with schema_context("acme"), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (id, password, user_name, active, emails, phone_numbers,
                addresses, role, source, created, last_modified, version, session_epoch,
                is_staff, is_superuser, deleted_at)
            SELECT gen_random_uuid(), '!', 'bulk' || g || '@acme.test', true, '[]', '[]', '[]',
                'member', 'scim', now(), now(), 1, 0, false, false,
                CASE WHEN g <= 10 THEN now() END
            FROM generate_series(1, 1000) AS g
            """
        )
        assert tally_and_count("acme") == (start + 992, start + 992)
        User.objects.filter(user_name__in=["bulk1@acme.test", "bulk2@acme.test"]).update(
            deleted_at=None
        )  # restored
        User.objects.filter(
            user_name__startswith="bulk", user_name__endswith="9@acme.test"
        ).delete()
        expected = users_live().count()
        assert users_live_count() == expected < start + 994
    assert tally_and_count("globex") == globex_before  # another organisation's tally


@pytest.mark.django_db
def test_a_write_under_another_search_path_counts_in_its_own_schema(acme, globex):
    acme_before, globex_before = tally_and_count("acme"), tally_and_count("globex")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE "acme".accounts_user SET deleted_at = %s WHERE deleted_at IS NULL',
            [timezone.now()],
        )
    assert tally_and_count("acme") == (0, 0) != acme_before
    assert tally_and_count("globex") == globex_before


@pytest.mark.django_db
def test_truncating_users_empties_the_tally(acme):
    with schema_context("acme"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_user CASCADE")
        assert (users_live_count(), users_live().count()) == (0, 0)


def test_parallel_creates_on_the_live_server_are_all_counted(
    live_scim: LiveScim, live_org, django_db_blocker
):
    def create(i: int) -> int:
        body = {"schemas": [USER_SCHEMA], "userName": f"par{i}@live.test"}
        return live_scim.request("POST", "/Users", body)[0]

    assert parallel(16, create) == [201] * 16
    status, page = live_scim.request("GET", "/Users?count=1")
    with django_db_blocker.unblock():
        tally, count = tally_and_count(live_org.schema_name)
    assert status == 200 and tally == count == page["totalResults"] == 17  # and the admin
