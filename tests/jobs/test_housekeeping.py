"""Periodic housekeeping: what each job does, in every organisation, and when it runs."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import schema_context
from procrastinate.contrib.django import app

from looop.jobs import housekeeping
from sso.models import HandoffTicket

pytestmark = pytest.mark.django_db


def _session(slug: str, *, expired: bool) -> str:
    with schema_context(slug):
        store = SessionStore()
        store["x"] = 1
        store.create()
        if expired:
            Session.objects.filter(pk=store.session_key).update(
                expire_date=timezone.now() - timedelta(seconds=1)
            )
        return store.session_key


def test_expired_sessions_are_cleared_in_every_organisation_and_the_public_schema(acme, globex):
    keys = {
        (slug, expired): _session(slug, expired=expired)
        for slug in ("acme", "globex", "public")
        for expired in (True, False)
    }
    assert housekeeping.expired_sessions_clear_everywhere() == 3
    for (slug, expired), key in keys.items():
        with schema_context(slug):
            assert Session.objects.filter(pk=key).exists() is not expired


def test_expired_hand_off_tickets_are_cleared(acme):
    now = timezone.now()
    with schema_context("acme"):
        for days in (2, 0):
            HandoffTicket.objects.create(
                intent="sign_in", binding_hash="h", issued_at=now - timedelta(days=days),
                expires_at=now - timedelta(days=days) + timedelta(seconds=60),
            )  # fmt: skip
    assert housekeeping.expired_tickets_clear_everywhere() == 1
    with schema_context("acme"):
        assert HandoffTicket.objects.count() == 1


def test_the_periodic_jobs_and_their_schedules():
    schedules = {
        task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()
    }
    assert schedules == {
        "jobs.retry_stalled": "* * * * * */10",
        "jobs.prune_provisioning_events": "17 3 * * *",
        "jobs.clear_expired_sessions": "23 * * * *",
        "jobs.clear_expired_tickets": "41 * * * *",
        "campaigns.sweep": "* * * * *",  # campaigns/jobs.py
    }
