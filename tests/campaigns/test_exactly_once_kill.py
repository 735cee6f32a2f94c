"""Exactly once under faults: two workers run a day-0 batch of 2,000 people, and one is
killed with SIGKILL in the middle of it. Every step runs once per person: one share, one
notice and one Welcome email record each. Over SMTP nothing is lost; a message the victim was
sending when it died may arrive twice, with the same Message-ID (looop/mail/sending.py: no
sender can know whether the server kept it), so the receiver can drop the copy."""

import time
from collections import Counter

import psycopg
import pytest
from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.services import user_create
from campaigns import services
from campaigns.models import Execution, ShareNotice
from learning import services as learning
from learning.models import Share
from looop.mail.models import OutgoingEmail
from tests.campaigns.conftest import published
from tests.conftest import test_database_url as database_url
from tests.jobs.mail_support import worker_start, worker_stop

PEOPLE = 2000


def _unique(mailbox) -> set[str]:
    return {r.message_id for r in mailbox.received}


WORKER_ENV = {"LOOOP_CAMPAIGNS_SWEEP_CRON": "* * * * * */2"}


def _count(slug: str, table: str, where: str = "TRUE") -> int:
    with psycopg.connect(database_url()) as db:
        return db.execute(f"SELECT count(*) FROM {slug}.{table} WHERE {where}").fetchone()[0]


def _worker_ids() -> set[int]:
    with psycopg.connect(database_url()) as db:
        return {r[0] for r in db.execute("SELECT id FROM procrastinate_workers").fetchall()}


def _new_worker(before: set[int]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if new := _worker_ids() - before:
            return new.pop()
        time.sleep(0.1)
    raise AssertionError("the worker did not start")


def _doing(worker_id: int) -> bool:
    """The worker holds a job: a tick mid-batch, or an email mid-send."""
    with psycopg.connect(database_url()) as db:
        return bool(
            db.execute(
                "SELECT 1 FROM procrastinate_jobs WHERE status = 'doing' AND worker_id = %s",
                [worker_id],
            ).fetchone()
        )


@pytest.mark.timeout(1200)
def test_a_killed_worker_never_doubles_or_loses_a_step(
    committed_org, smtp_server, mailbox, django_db_blocker
):
    slug = committed_org.slug
    with django_db_blocker.unblock(), schema_context(slug):
        with transaction.atomic():
            for i in range(PEOPLE):
                user_create(
                    actor=SYSTEM, user_name=f"p{i}@{slug}.test", email=f"p{i}@{slug}.test",
                    department="Sales",
                )  # fmt: skip
        pathway = learning.pathway_create(name="Sales onboarding")
        learning.pathway_step_add(pathway=pathway, resource=published("Our products"))
        campaign = services.campaign_create(name="Day 0", audience='department eq "Sales"')
        services.step_add(campaign=campaign, action="share", target=pathway, due_days=14)
        services.step_add(campaign=campaign, action="email", subject="Welcome", body="Hello")
    args = ("--concurrency", "8")
    before = _worker_ids()
    victim = worker_start(smtp_server.port, f"victim-{slug}", *args, **WORKER_ENV)
    victim_id = _new_worker(before)
    survivor = worker_start(smtp_server.port, f"survivor-{slug}", *args, **WORKER_ENV)
    started = time.monotonic()
    try:
        with django_db_blocker.unblock(), schema_context(slug):
            services.campaign_start(campaign=campaign)
        # Kill the victim while it holds a job, part-way through the batch.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = _count(slug, "campaigns_execution")
            if done >= PEOPLE // 4 and _doing(victim_id):
                break
            time.sleep(0.02)
        print(f"kill at {time.monotonic() - started:.1f} s, {done} step runs done", flush=True)
        executions_at_kill = _count(slug, "campaigns_execution")
        victim.kill()  # SIGKILL: no clean-up of any kind
        victim.wait(10)
        killed_at = time.monotonic()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and len(_unique(mailbox)) < 2 * PEOPLE:
            time.sleep(5)
            print(f"{time.monotonic() - started:.0f} s: {len(mailbox.received)} emails", flush=True)
        finished = time.monotonic()
        time.sleep(3)  # anything sent twice would arrive by now
    finally:
        worker_stop(survivor)
        if victim.poll() is None:
            victim.kill()
    with django_db_blocker.unblock(), schema_context(slug):
        assert Execution.objects.count() == 2 * PEOPLE
        assert set(Execution.objects.values_list("status", flat=True)) == {"done"}
        per_person = Counter(
            Share.objects.filter(pathway=pathway).values_list("user_id", flat=True)
        )
        assert len(per_person) == PEOPLE and set(per_person.values()) == {1}
        assert ShareNotice.objects.filter(kind="notice").count() == PEOPLE
        emails = Counter(OutgoingEmail.objects.values_list("to_address", flat=True))
        assert len(emails) == PEOPLE and set(emails.values()) == {2}  # the notice and Welcome
        assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
        expected = {
            f"<{pk}@{settings.BASE_DOMAIN}>"
            for pk in OutgoingEmail.objects.values_list("pk", flat=True)
        }
    delivered = Counter(r.message_id for r in mailbox.received)
    assert set(delivered) == expected, f"{len(expected - set(delivered))} messages lost"
    # Only what the victim was sending at the kill may come twice: one message per job it
    # held (a batch job sends its messages one after another), at most its concurrency.
    twice = {message_id: n for message_id, n in delivered.items() if n > 1}
    assert set(twice.values()) <= {2} and len(twice) <= 8, twice
    from bench.cpu import calibration_ms

    print(
        f"\nmachine speed (ms, lower is faster): {calibration_ms()}"
        f"\ncampaign day 0 for {PEOPLE} people (share + email each) with a SIGKILL:"
        f" {executions_at_kill} step runs done at the kill, all {2 * PEOPLE} step runs and"
        f" {len(delivered)} emails delivered {finished - started:.1f} s after the start"
        f" ({finished - killed_at:.1f} s after the kill), 0 lost,"
        f" {len(twice)} delivered twice (same Message-ID)"
    )
