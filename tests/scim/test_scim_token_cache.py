"""The per-process token cache: served from memory only while it hears every token change,
dropped at once when another session changes a token, and never across organisations."""

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from scim import token_cache
from scim.models import ScimToken
from scim.services import token_authenticate, token_create, token_hash, token_reset, token_revoke
from scim.token_cache import CHANNEL, LISTENER_NAME, TokenCache
from tests.scim.conftest import eventually, other_session


@pytest.fixture
def cache(settings, monkeypatch) -> Iterator[TokenCache]:
    """A fresh cache, listening, with entries kept for a minute unless something changes."""
    settings.SCIM_TOKEN_CACHE_SECONDS = 60
    cache = TokenCache()
    monkeypatch.setattr(token_cache, "CACHE", cache)
    cache.get("public", "")  # starts the listener
    eventually(lambda: cache.listening)
    yield cache
    cache.stop()


def authenticate(slug: str, secret: str) -> ScimToken | None:
    with schema_context(slug):
        return token_authenticate(secret)


def new_token(slug: str, **kwargs) -> tuple[ScimToken, str]:
    with schema_context(slug):
        return token_create(name=f"Entra {uuid.uuid4().hex[:6]}", **kwargs)


def test_a_token_is_read_once_then_served_without_a_query(cache, two_orgs):
    slug = two_orgs[0]
    token, secret = new_token(slug)
    first = authenticate(slug, secret)
    with CaptureQueriesContext(connection) as queries:
        again = authenticate(slug, secret)
    assert first is not None and again is not None
    assert (again.pk, again.name) == (token.pk, token.name)
    assert queries.captured_queries == []
    with schema_context(slug):
        assert ScimToken.objects.get(pk=token.pk).last_used_at is not None


def test_a_revocation_by_another_session_reaches_the_cache_at_once(cache, two_orgs):
    slug = two_orgs[0]
    token, secret = new_token(slug)
    assert authenticate(slug, secret) is not None
    with other_session() as other:
        other.execute(
            f'UPDATE "{slug}".scim_scimtoken SET revoked_at = now() WHERE id = %s', [token.pk]
        )
    # Entries live 60 s here, so only the notification can explain this.
    eventually(lambda: authenticate(slug, secret) is None, seconds=5)
    assert cache.get(slug, token_hash(secret)) is None


def test_a_token_deleted_by_another_session_stops_working(cache, two_orgs):
    slug = two_orgs[0]
    token, secret = new_token(slug)
    assert authenticate(slug, secret) is not None
    with other_session() as other:
        other.execute(f'DELETE FROM "{slug}".scim_scimtoken WHERE id = %s', [token.pk])
    eventually(lambda: authenticate(slug, secret) is None, seconds=5)


def test_revoke_and_reset_in_this_process_take_effect_immediately(cache, two_orgs):
    slug = two_orgs[0]
    first, first_secret = new_token(slug)
    second, second_secret = new_token(slug)
    assert authenticate(slug, first_secret) is not None
    assert authenticate(slug, second_secret) is not None
    with schema_context(slug):
        token_revoke(token=first)
    assert authenticate(slug, first_secret) is None
    with schema_context(slug):
        _, fresh_secret = token_reset()
    assert authenticate(slug, second_secret) is None
    assert authenticate(slug, fresh_secret) is not None


def test_an_expired_token_is_refused_even_from_memory(cache, two_orgs):
    slug = two_orgs[0]
    _, secret = new_token(slug, expires_at=timezone.now() + timedelta(milliseconds=400))
    assert authenticate(slug, secret) is not None
    time.sleep(0.5)
    assert authenticate(slug, secret) is None


def test_a_token_of_one_organisation_is_never_served_to_another(cache, two_orgs):
    first, second = two_orgs
    token, secret = new_token(first)
    assert authenticate(first, secret) is not None
    assert cache.get(first, token_hash(secret)) is not None
    assert authenticate(second, secret) is None
    assert cache.get(second, token_hash(secret)) is None


def test_a_change_in_one_organisation_keeps_the_others_tokens(cache, two_orgs):
    first, second = two_orgs
    kept, kept_secret = new_token(second)
    assert authenticate(second, kept_secret) is not None
    token, secret = new_token(first)
    with schema_context(first):
        token_revoke(token=token)
    assert cache.get(second, token_hash(kept_secret)) is not None


def test_only_changes_that_matter_send_a_notification(two_orgs):
    slug = two_orgs[0]
    token, _ = new_token(slug)
    with other_session() as listener, other_session() as writer:
        listener.execute(f"LISTEN {CHANNEL}")
        table = f'"{slug}".scim_scimtoken'
        writer.execute(f"UPDATE {table} SET last_used_at = now() WHERE id = %s", [token.pk])
        assert [n.payload for n in listener.notifies(timeout=0.3)] == []
        writer.execute(f"UPDATE {table} SET name = 'Renamed' WHERE id = %s", [token.pk])
        assert [n.payload for n in listener.notifies(timeout=2, stop_after=1)] == [slug]
        writer.execute(f"DELETE FROM {table} WHERE id = %s", [token.pk])
        assert [n.payload for n in listener.notifies(timeout=2, stop_after=1)] == [slug]


def test_a_lookup_that_raced_a_change_is_not_kept(cache, two_orgs):
    slug = two_orgs[0]
    token, secret = new_token(slug)
    digest = token_hash(secret)
    before = cache.generation()
    cache.forget(slug)  # a change heard while the lookup read the database
    cache.put(slug, digest, token, before)
    assert cache.get(slug, digest) is None
    cache.put(slug, digest, token, cache.generation())
    assert cache.get(slug, digest) is token


def test_a_lost_notification_delays_a_revocation_by_the_maximum_age_at_most(
    cache, two_orgs, settings
):
    settings.SCIM_TOKEN_CACHE_SECONDS = 0.5
    slug = two_orgs[0]
    token, secret = new_token(slug)
    assert authenticate(slug, secret) is not None
    with other_session() as other:
        other.execute("SET session_replication_role = replica")  # no triggers: no NOTIFY
        other.execute(
            f'UPDATE "{slug}".scim_scimtoken SET revoked_at = now() WHERE id = %s', [token.pk]
        )
    assert authenticate(slug, secret) is not None  # still in memory, as documented
    time.sleep(0.6)
    assert authenticate(slug, secret) is None


def backend_name(pid: int | None) -> str | None:
    with other_session() as other:
        row = other.execute(
            "SELECT application_name FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
    return row[0] if row else None


def test_losing_the_listener_empties_the_cache_until_it_listens_again(cache, two_orgs):
    slug = two_orgs[0]
    token, secret = new_token(slug)
    assert authenticate(slug, secret) is not None
    digest = token_hash(secret)
    pid = cache.listener_backend_pid
    assert pid is not None and backend_name(pid) == LISTENER_NAME
    with other_session() as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    eventually(lambda: cache.get(slug, digest) is None)
    eventually(lambda: cache.listening and cache.listener_backend_pid != pid)
    assert backend_name(cache.listener_backend_pid) == LISTENER_NAME
    assert authenticate(slug, secret) is not None
    assert cache.get(slug, digest) is not None


def test_with_the_cache_off_every_lookup_reads_the_database(settings, two_orgs):
    settings.SCIM_TOKEN_CACHE_SECONDS = 0
    slug = two_orgs[0]
    _, secret = new_token(slug)
    assert authenticate(slug, secret) is not None
    with CaptureQueriesContext(connection) as queries:
        assert authenticate(slug, secret) is not None
    assert len(queries.captured_queries) == 1


def test_the_live_server_refuses_a_revoked_token_without_waiting(
    live_scim, live_org, django_db_blocker
):
    for _ in range(20):  # every worker has it in memory
        assert live_scim.request("GET", "/Users?count=0")[0] == 200
    with django_db_blocker.unblock(), schema_context(live_org.schema_name):
        token_revoke(token=ScimToken.objects.get(name="Entra"))
    # The server keeps tokens up to 10 s; its listeners hear the revocation in milliseconds.
    eventually(lambda: live_scim.request("GET", "/Users?count=0")[0] == 401, seconds=3)
    assert {live_scim.request("GET", "/Users?count=0")[0] for _ in range(20)} == {401}
