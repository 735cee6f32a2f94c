"""Planner statistics refreshed while provisioning fills an organisation's tables: stale
tables are analysed once, only that organisation's, and never by two sessions at once."""

import time

import pytest
from django.db import connection

from scim import table_statistics
from scim.event_log import event_row, schemas_written
from scim.table_statistics import StatisticsKeeper, tables_analyse_if_stale
from tests.scim.conftest import eventually, other_session


def autovacuum_off(schema: str) -> None:
    """So that only the code under test can analyse the organisation's tables."""
    with connection.cursor() as cursor:
        for table in table_statistics.TABLES:
            cursor.execute(f'ALTER TABLE "{schema}".{table} SET (autovacuum_enabled = false)')


@pytest.fixture
def orgs(two_orgs) -> tuple[str, str]:
    for slug in two_orgs:
        autovacuum_off(slug)
    return two_orgs


def users_insert(schema: str, count: int) -> None:
    """Committed users from another session, whose row counts reach the statistics once
    it ends (PostgreSQL publishes a session's counts at the latest when it exits)."""
    with other_session() as other:
        other.execute(
            f"""
            INSERT INTO "{schema}".accounts_user (id, password, user_name, active, emails,
                phone_numbers, addresses, role, source, created, last_modified, version,
                session_epoch, is_staff, is_superuser)
            SELECT gen_random_uuid(), '!', 'u' || g || '-' || gen_random_uuid() || '@x.test',
                true, '[]', '[]', '[]', 'member', 'scim', now(), now(), 1, 0, false, false
            FROM generate_series(1, %s) AS g
            """,
            [count],
        )
    eventually(lambda: changed_since_analysis(schema) >= count, seconds=15)


def scalar(sql: str, params: list) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def changed_since_analysis(schema: str) -> int:
    return scalar(
        "SELECT n_mod_since_analyze FROM pg_stat_user_tables "
        "WHERE schemaname = %s AND relname = 'accounts_user'",
        [schema],
    )


def analyses(schema: str) -> int:
    """How many times a session (not autovacuum) analysed the users table."""
    return scalar(
        "SELECT analyze_count FROM pg_stat_user_tables "
        "WHERE schemaname = %s AND relname = 'accounts_user'",
        [schema],
    )


def planner_rows(schema: str) -> float:
    return scalar(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
        [f'"{schema}".accounts_user'],
    )


def test_a_filled_table_is_analysed_once_and_only_in_its_organisation(orgs):
    a, b = orgs
    users_insert(a, 300)
    assert planner_rows(a) == -1  # never analysed: the planner guesses

    assert tables_analyse_if_stale(a) == ["accounts_user"]
    assert analyses(a) == 1
    assert planner_rows(a) == 301  # with the first admin
    assert changed_since_analysis(a) == 0
    assert tables_analyse_if_stale(a) == []  # nothing changed since
    assert (analyses(b), planner_rows(b)) == (0, -1)


def test_a_table_is_analysed_again_only_after_half_its_rows_changed(orgs):
    slug = orgs[0]
    users_insert(slug, 300)
    assert tables_analyse_if_stale(slug) == ["accounts_user"]
    users_insert(slug, 120)  # under 100 + 0.5 × 301
    assert tables_analyse_if_stale(slug) == []
    users_insert(slug, 140)  # 260 changes in all: over the threshold
    assert tables_analyse_if_stale(slug) == ["accounts_user"]
    assert (analyses(slug), planner_rows(slug)) == (2, 561)


def test_an_organisation_another_session_is_analysing_is_skipped_not_waited_for(orgs):
    slug = orgs[0]
    users_insert(slug, 300)
    with other_session() as other:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"analyse {slug}"])
        started = time.monotonic()
        assert tables_analyse_if_stale(slug) == []
        assert time.monotonic() - started < 1
        assert analyses(slug) == 0
        other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"analyse {slug}"])
    assert tables_analyse_if_stale(slug) == ["accounts_user"]


def test_a_deleted_organisation_is_no_error(db):
    assert tables_analyse_if_stale("no_such_organisation") == []


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(table_statistics, "time", clock)
    return clock


@pytest.fixture
def keeper(settings, clock) -> StatisticsKeeper:
    settings.SCIM_ANALYSE_WHILE_PROVISIONING = True
    return StatisticsKeeper()


def test_the_keeper_checks_an_organisation_at_most_once_a_second(keeper, clock, orgs):
    slug = orgs[0]
    keeper.note([slug])
    assert keeper.run_due() == []  # checked: nothing stale yet
    users_insert(slug, 300)
    clock.now += 0.5
    keeper.note([slug])
    assert keeper.run_due() == []  # checked half a second ago
    clock.now += 0.5
    assert keeper.run_due() == [(slug, "accounts_user")]
    assert analyses(slug) == 1


def test_the_keeper_goes_on_checking_after_the_last_write_then_forgets(keeper, clock, orgs):
    slug = orgs[0]
    keeper.note([slug])
    assert keeper.run_due() == []
    # Row counts that reach the statistics after the last write, as an idle session's do.
    users_insert(slug, 300)
    clock.now += 14
    assert keeper.run_due() == [(slug, "accounts_user")]
    users_insert(slug, 400)
    clock.now += 2  # 16 s after the last write
    assert keeper.run_due() == []
    assert analyses(slug) == 1
    keeper.note([slug])  # a new write: watched again
    assert keeper.run_due() == [(slug, "accounts_user")]


def test_the_keeper_does_nothing_when_switched_off(keeper, settings, orgs):
    settings.SCIM_ANALYSE_WHILE_PROVISIONING = False
    slug = orgs[0]
    users_insert(slug, 300)
    keeper.note([slug])
    assert keeper.run_due() == []
    assert analyses(slug) == 0


def test_only_successful_writes_mark_an_organisation_written():
    def event(method: str, status: int) -> tuple:
        return event_row(at=None, method=method, path="/Users", status=status, duration_ms=1)

    events = [
        ("reads", event("GET", 200)),
        ("failed", event("POST", 409)),
        ("created", event("POST", 201)),
        ("deleted", event("DELETE", 204)),
        ("patched", event("PATCH", 200)),
    ]
    assert schemas_written(events) == {"created", "deleted", "patched"}


def test_provisioning_through_the_live_server_gets_the_tables_analysed(
    live_scim, live_org, django_db_blocker
):
    schema = live_org.schema_name
    with django_db_blocker.unblock():
        autovacuum_off(schema)
    for i in range(150):
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"user{i}@{schema}.test",
        }
        assert live_scim.request("POST", "/Users", body)[0] == 201
    # Autovacuum's analyses count elsewhere (autoanalyze_count); this one is the server's.
    with django_db_blocker.unblock():
        eventually(lambda: analyses(schema) >= 1, seconds=20)
        assert planner_rows(schema) >= 100  # analysed once 100 rows had changed


def test_a_table_held_by_vacuum_or_a_schema_change_is_skipped_not_waited_for(orgs):
    slug = orgs[0]
    users_insert(slug, 300)
    with other_session() as other, other.transaction():
        other.execute(f'LOCK TABLE "{slug}".accounts_user IN SHARE UPDATE EXCLUSIVE MODE')
        started = time.monotonic()
        assert tables_analyse_if_stale(slug) == []
        assert time.monotonic() - started < 1
        assert analyses(slug) == 0
    assert tables_analyse_if_stale(slug) == ["accounts_user"]
