"""A signed-in request loads its session and its user with one plain statement each
(accounts.sessions, accounts.backends.user_for_session): the same row the ORM reads, less
the SCIM attributes kept as JSON, which load when something reads them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.backends import SESSION_USER_DEFERRED, EmailPasswordBackend, user_for_session
from accounts.models import User
from accounts.services import user_create, user_update
from accounts.sessions import SessionStore
from sso.backend import MicrosoftBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(acme) -> User:
    """A person with every kind of column filled in: text, JSON lists, a manager, dates."""
    with schema_context("acme"):
        boss = user_create(actor=SYSTEM, user_name="boss@acme.test", email="boss@acme.test")
        sam = user_create(
            actor=SYSTEM, user_name="sam@acme.test", email="sam@acme.test",
            name_given="Sam", name_family="Lee", display_name="Sam Lee", title="Engineer",
            department="R&D", external_id="ext-1", manager=boss,
            phone_numbers=[{"value": "+44 20 7946 0000", "type": "work"}],
            addresses=[{"locality": "Leeds", "type": "work"}],
        )  # fmt: skip
        return User.objects.get(pk=sam.pk)


def test_the_session_user_is_the_orm_row_without_the_json_lists(sam):
    with schema_context("acme"):
        loaded = user_for_session(str(sam.pk))
        assert loaded.get_deferred_fields() == SESSION_USER_DEFERRED
        for field in User._meta.concrete_fields:
            if field.name in SESSION_USER_DEFERRED:
                continue
            ours, orm = getattr(loaded, field.attname), getattr(sam, field.attname)
            assert (ours, type(ours)) == (orm, type(orm)), field.name
        assert loaded.manager.user_name == "boss@acme.test"
        assert loaded.get_session_auth_hash() == sam.get_session_auth_hash()
        with CaptureQueriesContext(connection) as asked:
            lists = (loaded.emails, loaded.phone_numbers, loaded.addresses)
        assert lists == (sam.emails, sam.phone_numbers, sam.addresses)
        assert len(asked.captured_queries) == 3  # read when asked for, one at a time


def test_saving_the_session_user_keeps_the_columns_it_did_not_load(sam):
    with schema_context("acme"):
        loaded = user_for_session(sam.pk)
        user_update(user=loaded, changes={"title": "Lead"}, actor=SYSTEM)
        row = User.objects.get(pk=sam.pk)
    assert (row.title, row.phone_numbers, row.addresses, row.emails) == (
        "Lead",
        [{"value": "+44 20 7946 0000", "type": "work"}],
        [{"locality": "Leeds", "type": "work"}],
        sam.emails,
    )


@pytest.mark.parametrize("user_id", ["not-a-uuid", "", "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_ids_name_nobody(acme, user_id):
    with schema_context("acme"):
        assert user_for_session(user_id) is None


def test_another_organisations_person_is_nobody_here(sam, gina):
    with schema_context("acme"):
        assert user_for_session(gina.pk) is None
    with schema_context("globex"):
        assert user_for_session(sam.pk) is None
        assert user_for_session(gina.pk).user_name == gina.user_name


def test_a_signed_in_page_and_the_end_of_sessions(alice_client, alice):
    home = alice_client.get("/")
    assert home.status_code == 200
    assert 'data-testid="user-name">alice@acme.test<' in home.content.decode()
    with schema_context("acme"):
        User.objects.filter(pk=alice.pk).update(session_epoch=alice.session_epoch + 1)
    ended = alice_client.get("/")
    assert (ended.status_code, ended["Location"]) == (302, "/login?next=/")


def test_a_deactivated_persons_session_signs_nobody_in(alice_client, alice):
    with schema_context("acme"):
        User.objects.filter(pk=alice.pk).update(active=False)
    assert alice_client.get("/").status_code == 302


def test_the_session_store_reads_live_sessions_only(acme):
    with schema_context("acme"):
        store = SessionStore()
        store["answer"] = 42
        store.create()
        key = store.session_key
        assert SessionStore(key).load() == {"answer": 42}
    with schema_context("globex"):
        assert SessionStore(key).load() == {}  # another organisation's session table
    with schema_context("acme"):
        Session.objects.filter(session_key=key).update(
            expire_date=datetime.now(UTC) - timedelta(seconds=1)
        )
        expired = SessionStore(key)
        assert (expired.load(), expired.session_key) == ({}, None)
        unknown = SessionStore("x" * 32)
        assert (unknown.load(), unknown.session_key) == ({}, None)


@pytest.mark.parametrize("backend", [EmailPasswordBackend, MicrosoftBackend])
def test_both_ways_of_signing_in_load_the_user_with_one_statement(sam, backend):
    with schema_context("acme"):
        with CaptureQueriesContext(connection) as asked:
            loaded = backend().get_user(str(sam.pk))
        assert (loaded.pk, loaded.get_deferred_fields()) == (sam.pk, SESSION_USER_DEFERRED)
        assert len(asked.captured_queries) == 1
        User.objects.filter(pk=sam.pk).update(active=False)
        assert backend().get_user(str(sam.pk)) is None
        assert backend().get_user("not-a-uuid") is None
