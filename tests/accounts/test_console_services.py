"""The console's services called directly: the rules hold whoever calls them."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM, Actor
from accounts.models import AuditEntry, Organisation, User
from accounts.selectors import audit_entries, users_search
from accounts.services import (
    Refused,
    organisation_microsoft_set,
    user_create,
    user_deactivate,
    user_reactivate,
    user_role_set,
    user_write,
)
from tests.accounts.console_support import bob, scott  # noqa: F401

pytestmark = pytest.mark.django_db


def after_founding() -> QuerySet[AuditEntry]:
    """Entries after acme's founding, whose first entry is its first admin's creation."""
    return AuditEntry.objects.exclude(action="user.create", actor_label="system")


def test_microsoft_switch_writes_the_public_row_and_an_audit_entry(acme, alice, settings):
    settings.MICROSOFT_CLIENT_ID, settings.MICROSOFT_CLIENT_SECRET = "client-id", "secret"
    with schema_context("acme"):
        organisation_microsoft_set(organisation=acme, enabled=True, actor=Actor.console(alice))
        entries = list(after_founding().values_list("action", "target", "actor_label"))
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is True
    assert entries == [("organisation.microsoft_enable", "Acme", "alice@acme.test")]


@pytest.mark.parametrize(("client_id", "secret"), [("", ""), ("client-id", ""), ("", "secret")])
def test_microsoft_switch_stays_off_without_a_microsoft_registration(
    acme, alice, settings, client_id, secret
):
    settings.MICROSOFT_CLIENT_ID, settings.MICROSOFT_CLIENT_SECRET = client_id, secret
    with schema_context("acme"):
        with pytest.raises(Refused, match="isn't set up on this Looop server"):
            organisation_microsoft_set(organisation=acme, enabled=True, actor=Actor.console(alice))
        organisation_microsoft_set(organisation=acme, enabled=False, actor=Actor.console(alice))
        entries = list(after_founding().values_list("action", flat=True))
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is False
    assert entries == ["organisation.microsoft_disable"]


def test_role_set_refuses_unknown_roles_and_the_last_admin(alice):
    with schema_context("acme"):
        with pytest.raises(Refused, match="Choose a role"):
            user_role_set(user=alice, role="root", actor=Actor.console(alice))
        with pytest.raises(Refused, match="only active admin"):
            user_role_set(user=alice, role="member", actor=Actor.console(alice))
        assert not after_founding().exists()


def test_a_deactivated_admin_does_not_count_as_the_remaining_admin(alice, bob):
    with schema_context("acme"):
        user_role_set(user=bob, role="admin", actor=Actor.console(alice))
        User.objects.filter(pk=bob.pk).update(active=False)
        with pytest.raises(Refused, match="only active admin"):
            user_role_set(user=alice, role="member", actor=Actor.console(alice))


def test_setting_the_same_role_records_nothing(alice, bob):
    with schema_context("acme"):
        user_role_set(user=bob, role="member", actor=Actor.console(alice))
        assert not after_founding().exists()


def test_activation_rules(alice, bob, scott):
    with schema_context("acme"):
        with pytest.raises(Refused, match="provisioned by SCIM"):
            user_deactivate(user=scott, actor=Actor.console(alice))
        with pytest.raises(Refused, match="yourself"):
            user_deactivate(user=alice, actor=Actor.console(alice))
        user_role_set(user=bob, role="admin", actor=Actor.console(alice))
        user_role_set(user=alice, role="member", actor=Actor.console(bob))
        with pytest.raises(Refused, match="only active admin"):
            user_deactivate(user=bob, actor=Actor.console(alice))
        before = bob.session_epoch
        User.objects.filter(pk=alice.pk).update(role="admin")
        bob = user_deactivate(user=User.objects.get(pk=bob.pk), actor=Actor.console(alice))
        assert (bob.active, bob.session_epoch) == (False, before + 1)


def test_console_update_refuses_scim_people_and_other_fields(alice, bob, scott):
    console = Actor.console(alice)
    with schema_context("acme"):
        with pytest.raises(Refused, match="provisioned by SCIM"):
            user_write(user=scott, actor=console, changes=lambda u: {"title": "Boss"})
        with pytest.raises(Refused, match="can't be edited here: role, user_name"):
            user_write(
                user=bob, actor=console, changes=lambda u: {"user_name": "x", "role": "admin"}
            )
        assert user_write(user=bob, actor=console, changes=lambda u: {"title": None}).title is None
        assert not after_founding().exists()  # nothing changed: no entry


def test_console_create_refuses_duplicates_case_insensitively(alice):
    console = Actor.console(alice)
    with schema_context("acme"):
        with pytest.raises(Refused, match="already exists"):
            user_create(user_name="Alice@ACME.test", password="long enough pass", actor=console)
        with pytest.raises(Refused, match="too short"):
            user_create(user_name="zed@acme.test", password="short", actor=console)


def test_search_escapes_like_wildcards(alice, bob):
    with schema_context("acme"):
        assert list(users_search(query="_")) == []
        assert [u.user_name for u in users_search(query="B")] == ["bob@acme.test"]


def test_audit_entries_filter_by_prefix_and_target(alice, bob, settings):
    settings.MICROSOFT_CLIENT_ID, settings.MICROSOFT_CLIENT_SECRET = "client-id", "secret"
    with schema_context("acme"):
        user_role_set(user=bob, role="admin", actor=Actor.console(alice))
        organisation_microsoft_set(
            organisation=Organisation.objects.get(schema_name="acme"),
            enabled=True,
            actor=Actor.console(alice),
        )
        assert [e.action for e in audit_entries(actions=("user.",), target=str(bob.pk))] == [
            "user.role_set",
            "user.create",
        ]
        assert [e.action for e in audit_entries(actions=("organisation.",))] == [
            "organisation.microsoft_enable"
        ]


def test_people_created_without_a_password_get_distinct_unusable_ones(acme):
    with schema_context("acme"):
        first = user_create(actor=SYSTEM, user_name="np1@acme.test")
        second = user_create(actor=SYSTEM, user_name="np2@acme.test")
        stored = set(User.objects.filter(pk__in=[first.pk, second.pk]).values_list("password"))
    assert not first.has_usable_password() and not second.has_usable_password()
    assert len(stored) == 2 and all(p.startswith("!") and len(p) > 30 for (p,) in stored)


def test_deactivation_of_a_stale_instance_reads_again_and_loses_no_counter(scott):
    """Another request wrote meanwhile: the versioned write misses, the person is read
    again, and the write applies to the stored counters (one UPDATE that also inserts the
    audit entry, then the read, then that UPDATE again)."""
    with schema_context("acme"):
        User.objects.filter(pk=scott.pk).update(version=7, session_epoch=3)
        with CaptureQueriesContext(connection) as queries:
            returned = user_deactivate(user=scott, actor=SYSTEM)
        # Inside the test's transaction each write also gets a savepoint; not in autocommit.
        statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(statements) == 3, statements
        assert (returned.active, returned.version, returned.session_epoch) == (False, 8, 4)
        stored = User.objects.get(pk=scott.pk)
        assert (stored.active, stored.version, stored.session_epoch) == (False, 8, 4)
        assert stored.last_modified == returned.last_modified
        assert list(after_founding().values_list("action", "target", "actor_label")) == [
            ("user.deactivate", str(scott.pk), "system")
        ]
        user_reactivate(user=stored, actor=SYSTEM)  # reactivation keeps sessions ended
        stored = User.objects.get(pk=scott.pk)
        assert (stored.active, stored.version, stored.session_epoch) == (True, 9, 4)
        gone = User(pk="00000000-0000-0000-0000-0000000000dd", active=True, version=1)
        with pytest.raises(User.DoesNotExist):
            user_deactivate(user=gone, actor=SYSTEM)
