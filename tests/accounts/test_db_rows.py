"""looop.db.rows: one precompiled INSERT or UPDATE writes what Model.save() would."""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Group, User
from looop.db.rows import row_insert, row_update

pytestmark = pytest.mark.django_db


def test_insert_writes_every_field_with_its_defaults(acme):
    before = timezone.now()
    with schema_context("acme"):
        user = User(user_name="rows@acme.test", emails=[{"value": "rows@acme.test"}], title="T")
        row_insert(user)
        stored = User.objects.get(pk=user.pk)
    assert not user._state.adding
    assert (stored.user_name, stored.title, stored.emails) == (
        "rows@acme.test", "T", [{"value": "rows@acme.test"}]
    )  # fmt: skip
    assert (stored.version, stored.active, stored.role, stored.phone_numbers) == (
        1, True, User.Role.MEMBER, []
    )  # fmt: skip
    assert before <= stored.created == user.created <= timezone.now()
    assert stored.last_modified == user.last_modified


def test_insert_needs_a_primary_key():
    with pytest.raises(ValueError, match="primary key"):
        row_insert(Group(id=None, display_name="No id"))


def test_update_writes_only_the_named_fields_and_auto_now(acme):
    with schema_context("acme"):
        group = Group.objects.create(display_name="Before", external_id="e1")
        created = group.created
        Group.objects.filter(pk=group.pk).update(external_id="changed elsewhere")
        group.display_name, group.version = "After", 7
        group.last_modified = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        row_update(group, ["display_name", "version", "last_modified"])
        stored = Group.objects.get(pk=group.pk)
    assert (stored.display_name, stored.version, stored.external_id) == (
        "After", 7, "changed elsewhere"
    )  # fmt: skip
    assert stored.created == created
    assert stored.last_modified == group.last_modified > dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


def test_update_of_a_missing_row_fails(acme):
    with schema_context("acme"), pytest.raises(DatabaseError, match="did not affect any rows"):
        row_update(Group(id=uuid.uuid4(), display_name="Ghost"), ["display_name"])


def test_rows_stay_in_their_organisation(acme, globex):
    with schema_context("globex"):
        row_insert(Group(display_name="Globex only"))
    with schema_context("acme"):
        assert not Group.objects.filter(display_name="Globex only").exists()
    with schema_context("globex"):
        assert Group.objects.filter(display_name="Globex only").count() == 1
