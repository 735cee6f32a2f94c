"""looop.db: a reused connection is checked without a `SELECT 1` round trip while it is
quiet, and one the server has ended is still replaced before the request uses it."""

from collections.abc import Iterator

import psycopg
import pytest
from django.db import connections

from tests.conftest import test_database_url as database_url


@pytest.fixture
def wrapper(django_db_setup, django_db_blocker) -> Iterator:
    """A connection of its own, with persistent connections and health checks as configured."""
    with django_db_blocker.unblock():
        wrapper = connections.create_connection("default")
        assert wrapper.settings_dict["CONN_HEALTH_CHECKS"] is True
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 'before the next request'")
        yield wrapper
        wrapper.close()


def next_request(wrapper) -> None:
    """What Django does at the start of a request, then before its first query."""
    wrapper.close_if_unusable_or_obsolete()
    assert wrapper.health_check_done is False
    wrapper.close_if_health_check_failed()


def last_query(pid: int) -> str | None:
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as other:
        row = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return row[0] if row else None


def test_a_quiet_connection_is_reused_without_a_query(wrapper):
    pid = wrapper.connection.info.backend_pid
    next_request(wrapper)
    assert wrapper.health_check_done is True
    assert wrapper.connection is not None and wrapper.connection.info.backend_pid == pid
    assert last_query(pid) == "SELECT 'before the next request'"  # no SELECT 1 was sent


def test_a_connection_the_server_ended_is_replaced(wrapper):
    pid = wrapper.connection.info.backend_pid
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as other:
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone() == (True,)
    next_request(wrapper)
    assert wrapper.connection is None  # closed by the check, not by a failed request
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_inside_a_transaction_gets_the_usual_check(wrapper):
    wrapper.set_autocommit(False)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 'in a transaction'")
    pid = wrapper.connection.info.backend_pid
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    assert wrapper.health_check_done is True
    assert last_query(pid) == "SELECT 1"
    wrapper.rollback()
    wrapper.set_autocommit(True)
