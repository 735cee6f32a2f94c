"""Groups: the list with member counts, and a group's members paged in SQL."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import time

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from tests.accounts.console_support import sql_statements  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(acme):
    with schema_context("acme"):
        people = [
            user_create(actor=SYSTEM, user_name=f"{name}@acme.test", email=f"{name}@acme.test")
            for name in ["dora", "eli", "finn"]
        ]
        sales = Group.objects.create(display_name="Sales", external_id="ext-sales")
        empty = Group.objects.create(display_name="alumni")
        Membership.objects.bulk_create([Membership(group=sales, user=p) for p in people])
    return {"sales": sales, "empty": empty, "people": people}


def test_list_shows_groups_with_member_counts(alice_client, groups):
    response = alice_client.get("/groups")
    assert response.status_code == 200
    rows = [(g.display_name, g.member_count) for g in response.context["page"].object_list]
    assert rows == [("alumni", 0), ("Sales", 3)]
    body = response.content.decode()
    assert f'<a href="/groups/{groups["sales"].pk}">Sales</a></td><td>3</td>' in body
    assert "<code>ext-sales</code>" in body


def test_list_search(alice_client, groups):
    response = alice_client.get("/groups", {"q": "SAL"})
    assert [g.display_name for g in response.context["page"].object_list] == ["Sales"]
    assert "No group matches" in alice_client.get("/groups", {"q": "zzz"}).content.decode()


def test_empty_list_explains_where_groups_come_from(alice_client):
    body = alice_client.get("/groups").content.decode()
    assert "No groups yet. They appear when Entra provisions groups" in body


def test_group_page_lists_members(alice_client, groups):
    response = alice_client.get(f"/groups/{groups['sales'].pk}")
    assert response.status_code == 200
    assert [u.user_name for u in response.context["page"].object_list] == [
        "dora@acme.test",
        "eli@acme.test",
        "finn@acme.test",
    ]
    body = response.content.decode()
    assert 'data-testid="member-count">3<' in body
    dora = groups["people"][0]
    assert f'<a href="/people/{dora.pk}">dora@acme.test</a>' in body


def test_group_member_search(alice_client, groups):
    response = alice_client.get(f"/groups/{groups['sales'].pk}", {"q": "eli"})
    assert [u.user_name for u in response.context["page"].object_list] == ["eli@acme.test"]


def test_deleted_people_are_not_members_on_the_page(alice_client, groups):
    from django.utils import timezone

    with schema_context("acme"):
        User.objects.filter(pk=groups["people"][0].pk).update(deleted_at=timezone.now())
    response = alice_client.get(f"/groups/{groups['sales'].pk}")
    assert response.context["page"].paginator.count == 2


def fill_group(schema: str, group: Group, count: int) -> None:
    """Insert `count` people and their memberships with two INSERT … SELECT statements."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = 'accounts_user' AND is_nullable = 'NO'",
            [schema],
        )
        columns = dict(cursor.fetchall())
        by_type = {
            "uuid": "gen_random_uuid()",
            "jsonb": "'[]'::jsonb",
            "boolean": "false",
            "integer": "1",
            "smallint": "1",
            "bigint": "1",
            "timestamp with time zone": "now()",
        }
        values = {name: by_type.get(kind, "''") for name, kind in columns.items()}
        values.update(user_name="'m' || lpad(n::text, 6, '0') || '@acme.test'", role="'member'")
        values.update(source="'scim'", password="'!'")
        names = ", ".join(f'"{name}"' for name in values)
        cursor.execute(
            f'INSERT INTO "{schema}".accounts_user ({names})'
            f" SELECT {', '.join(values.values())} FROM generate_series(1, %s) AS n",
            [count],
        )
        cursor.execute(
            f'INSERT INTO "{schema}".accounts_membership (group_id, user_id, created)'
            f' SELECT %s, id, now() FROM "{schema}".accounts_user WHERE user_name LIKE %s',
            [group.pk, "m%@acme.test"],
        )
        cursor.execute(f'ANALYZE "{schema}".accounts_user, "{schema}".accounts_membership')


def test_a_group_of_100000_members_is_paged_in_sql(alice_client, acme, sql_statements):
    with schema_context("acme"):
        big = Group.objects.create(display_name="Everyone")
        fill_group("acme", big, 100_000)
    timings = {}
    for page in ["1", "1000", "2000"]:
        started = time.perf_counter()
        with sql_statements(6):  # routing, session, user, group, count, page
            response = alice_client.get(f"/groups/{big.pk}", {"page": page})
        timings[page] = time.perf_counter() - started
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 100_000
        assert len(response.context["page"].object_list) == 50
    last = response.context["page"].object_list
    assert last[49].user_name == "m100000@acme.test"
    started = time.perf_counter()
    listing = alice_client.get("/groups")
    timings["groups list"] = time.perf_counter() - started
    assert [(g.display_name, g.member_count) for g in listing.context["page"]] == [
        ("Everyone", 100_000)
    ]
    print("100,000-member group, seconds per page:", {k: round(v, 3) for k, v in timings.items()})
    assert max(timings.values()) < 3.0
