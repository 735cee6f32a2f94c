"""The shared cache's database backend: counters that concurrent processes can't lose."""

import threading

import pytest
from django.core.cache import caches
from django.db import connection


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Autocommit, as server processes see the table (threads can't share a test transaction)."""
    with django_db_blocker.unblock():
        yield
        connection.close()


def test_concurrent_increments_are_all_counted(committed):
    """Django's stock incr() is get-then-set, which loses updates under concurrency."""
    cache = caches["default"]
    cache.delete("counter")
    assert cache.add("counter", 0, timeout=60)
    threads, rounds = 8, 25

    def count() -> None:
        try:
            for _ in range(rounds):
                cache.incr("counter")
        finally:
            connection.close()  # each thread has its own database connection

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert cache.get("counter") == threads * rounds
    assert cache.decr("counter", 10) == threads * rounds - 10
    cache.delete("counter")


@pytest.mark.django_db
def test_a_missing_or_expired_counter_is_not_revived():
    cache = caches["default"]
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")
    cache.set("short", 5, timeout=-1)  # already expired
    with pytest.raises(ValueError, match="not found"):
        cache.incr("short")


@pytest.mark.django_db
def test_keys_carry_the_organisation(acme):
    """Per-organisation counters don't collide: make_key prefixes the current schema."""
    from django_tenants.utils import schema_context

    cache = caches["default"]
    with schema_context("acme"):
        cache.set("failures", 1, timeout=60)
    with schema_context("globex"):
        assert cache.get("failures") is None
        cache.set("failures", 7, timeout=60)
    with schema_context("acme"):
        assert cache.get("failures") == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM public.looop_cache WHERE cache_key LIKE '%%failures'")
        assert sorted(row[0] for row in cursor.fetchall()) == [
            "acme::1:failures",
            "globex::1:failures",
        ]


@pytest.mark.django_db
def test_add_only_where_absent_or_expired():
    cache = caches["default"]
    assert cache.add("window", 1, timeout=60) is True
    assert cache.add("window", 9, timeout=60) is False
    assert cache.get("window") == 1
    cache.set("old", 5, timeout=-1)  # expired: as good as absent
    assert cache.add("old", 2, timeout=60) is True
    assert cache.get("old") == 2
    assert cache.incr("old") == 3


@pytest.mark.django_db
def test_add_sweeps_expired_rows_now_and_then(monkeypatch):
    cache = caches["default"]
    for n in range(5):
        cache.set(f"gone{n}", n, timeout=-1)
    cache.set("kept", 1, timeout=60)
    monkeypatch.setattr(type(cache), "SWEEP_EVERY", 1)
    assert cache.add("new", 1, timeout=60) is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM public.looop_cache ORDER BY cache_key")
        assert [row[0] for row in cursor.fetchall()] == ["public::1:kept", "public::1:new"]


def test_concurrent_adds_of_one_key_let_exactly_one_in(committed):
    cache = caches["default"]
    cache.delete("first")
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def add() -> None:
        try:
            barrier.wait()
            results.append(cache.add("first", 1, timeout=60))
        finally:
            connection.close()

    workers = [threading.Thread(target=add) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == [False] * 5 + [True]
    cache.delete("first")
