"""The console's services called directly: the rules hold whoever calls them."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, Organisation, User
from accounts.selectors import audit_entries, users_search
from accounts.services import (
    ConsoleRefused,
    organisation_microsoft_set,
    user_activation_set,
    user_console_create,
    user_console_update,
    user_role_set,
    user_set_active,
)
from tests.accounts.console_support import bob, scott  # noqa: F401

pytestmark = pytest.mark.django_db


def test_microsoft_switch_writes_the_public_row_and_an_audit_entry(acme, alice, settings):
    settings.MICROSOFT_CLIENT_ID, settings.MICROSOFT_CLIENT_SECRET = "client-id", "secret"
    with schema_context("acme"):
        organisation_microsoft_set(organisation=acme, enabled=True, actor=alice)
        entries = list(AuditEntry.objects.values_list("action", "target", "actor_label"))
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is True
    assert entries == [("organisation.microsoft_enable", "Acme", "alice@acme.test")]


@pytest.mark.parametrize(("client_id", "secret"), [("", ""), ("client-id", ""), ("", "secret")])
def test_microsoft_switch_stays_off_without_a_microsoft_registration(
    acme, alice, settings, client_id, secret
):
    settings.MICROSOFT_CLIENT_ID, settings.MICROSOFT_CLIENT_SECRET = client_id, secret
    with schema_context("acme"):
        with pytest.raises(ConsoleRefused, match="isn't set up on this Looop server"):
            organisation_microsoft_set(organisation=acme, enabled=True, actor=alice)
        organisation_microsoft_set(organisation=acme, enabled=False, actor=alice)  # allowed
        entries = list(AuditEntry.objects.values_list("action", flat=True))
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is False
    assert entries == ["organisation.microsoft_disable"]


def test_role_set_refuses_unknown_roles_and_the_last_admin(alice):
    with schema_context("acme"):
        with pytest.raises(ConsoleRefused, match="Choose a role"):
            user_role_set(user=alice, role="root", actor=alice)
        with pytest.raises(ConsoleRefused, match="only active admin"):
            user_role_set(user=alice, role="member", actor=alice)
        assert not AuditEntry.objects.exists()


def test_a_deactivated_admin_does_not_count_as_the_remaining_admin(alice, bob):
    with schema_context("acme"):
        user_role_set(user=bob, role="admin", actor=alice)
        User.objects.filter(pk=bob.pk).update(active=False)
        with pytest.raises(ConsoleRefused, match="only active admin"):
            user_role_set(user=alice, role="member", actor=alice)


def test_setting_the_same_role_records_nothing(alice, bob):
    with schema_context("acme"):
        user_role_set(user=bob, role="member", actor=alice)
        assert not AuditEntry.objects.exists()


def test_activation_rules(alice, bob, scott):
    with schema_context("acme"):
        with pytest.raises(ConsoleRefused, match="provisioned by SCIM"):
            user_activation_set(user=scott, active=False, actor=alice)
        with pytest.raises(ConsoleRefused, match="yourself"):
            user_activation_set(user=alice, active=False, actor=alice)
        user_role_set(user=bob, role="admin", actor=alice)
        user_role_set(user=alice, role="member", actor=bob)
        with pytest.raises(ConsoleRefused, match="only active admin"):
            user_activation_set(user=bob, active=False, actor=alice)
        before = bob.session_epoch
        User.objects.filter(pk=alice.pk).update(role="admin")
        bob = user_activation_set(user=bob, active=False, actor=alice)
        assert (bob.active, bob.session_epoch) == (False, before + 1)


def test_console_update_refuses_scim_people_and_other_fields(alice, bob, scott):
    with schema_context("acme"):
        with pytest.raises(ConsoleRefused, match="provisioned by SCIM"):
            user_console_update(user=scott, actor=alice, title="Boss")
        with pytest.raises(ConsoleRefused, match="can't be edited here: role, user_name"):
            user_console_update(user=bob, actor=alice, user_name="x", role="admin")
        assert user_console_update(user=bob, actor=alice, title="  ").title is None
        assert not AuditEntry.objects.exists()  # nothing changed: no entry


def test_console_create_refuses_duplicates_case_insensitively(alice):
    with schema_context("acme"):
        with pytest.raises(ConsoleRefused, match="already exists"):
            user_console_create(email="Alice@ACME.test", password="long enough pass", actor=alice)
        with pytest.raises(ConsoleRefused, match="too short"):
            user_console_create(email="zed@acme.test", password="short", actor=alice)


def test_search_escapes_like_wildcards(alice, bob):
    with schema_context("acme"):
        assert list(users_search(query="_")) == []
        assert [u.user_name for u in users_search(query="B")] == ["bob@acme.test"]


def test_audit_entries_filter_by_prefix_and_target(alice, bob, settings):
    settings.MICROSOFT_CLIENT_ID, settings.MICROSOFT_CLIENT_SECRET = "client-id", "secret"
    with schema_context("acme"):
        user_role_set(user=bob, role="admin", actor=alice)
        organisation_microsoft_set(
            organisation=Organisation.objects.get(schema_name="acme"), enabled=True, actor=alice
        )
        assert [e.action for e in audit_entries(actions=("user.",), target=str(bob.pk))] == [
            "user.role_set"
        ]
        assert [e.action for e in audit_entries(actions=("organisation.",))] == [
            "organisation.microsoft_enable"
        ]


def test_people_created_without_a_password_get_distinct_unusable_ones(acme):
    from accounts.services import user_create

    with schema_context("acme"):
        first = user_create(user_name="np1@acme.test")
        second = user_create(user_name="np2@acme.test")
        stored = set(User.objects.filter(pk__in=[first.pk, second.pk]).values_list("password"))
    assert not first.has_usable_password() and not second.has_usable_password()
    assert len(stored) == 2 and all(p.startswith("!") and len(p) > 30 for (p,) in stored)


def test_set_active_counts_from_the_stored_row_in_one_statement(scott):
    """A stale instance (another request wrote meanwhile) loses neither counter."""
    with schema_context("acme"):
        User.objects.filter(pk=scott.pk).update(version=7, session_epoch=3)
        with CaptureQueriesContext(connection) as queries:
            returned = user_set_active(user=scott, active=False)
        assert len(queries.captured_queries) == 1
        assert (returned.active, returned.version, returned.session_epoch) == (False, 8, 4)
        stored = User.objects.get(pk=scott.pk)
        assert (stored.active, stored.version, stored.session_epoch) == (False, 8, 4)
        assert stored.last_modified == returned.last_modified
        user_set_active(user=scott, active=True)  # reactivation keeps sessions ended
        stored = User.objects.get(pk=scott.pk)
        assert (stored.active, stored.version, stored.session_epoch) == (True, 9, 4)
        gone = User(pk="00000000-0000-0000-0000-0000000000dd")
        with pytest.raises(User.DoesNotExist):
            user_set_active(user=gone, active=False)
