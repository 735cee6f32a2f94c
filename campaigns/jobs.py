"""Campaign jobs: one "tick" per organisation, debounced, and a sweep every minute.

A tick re-evaluates every started campaign's audience, runs the steps that are due, and
queues share notices. Provisioning changes defer it CAMPAIGNS_DEBOUNCE_SECONDS later under
a queueing lock per organisation, so a burst of SCIM requests makes one tick, and the SCIM
request only inserts (or finds) that job row. A tick that starts while SCIM requests are
still arriving holds itself for another period, for at most CAMPAIGNS_DEBOUNCE_MAX_SECONDS
in all: a burst's work is done once, after it. The sweep defers a tick for every
organisation each minute: steps falling due with time, and any change whose tick had
already started when it committed.
"""

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from campaigns.interest import tick_pending_until
from campaigns.notices import notices_sweep, reminders_sweep
from campaigns.runner import steps_run_due
from campaigns.services import campaigns_evaluate_all
from looop.jobs.housekeeping import each_organisation
from looop.jobs.tenancy import organisation_defer, organisation_task
from scim.models import ProvisioningEvent

logger = logging.getLogger(__name__)


def _provisioning_recent() -> bool:
    """Whether this organisation's SCIM client sent a request in the last debounce period
    (the provisioning log, newest first on its index: one row read)."""
    latest = ProvisioningEvent.objects.order_by("-at").values_list("at", flat=True).first()
    quiet = timedelta(seconds=settings.CAMPAIGNS_DEBOUNCE_SECONDS)
    return latest is not None and timezone.now() - latest < quiet


def _waited_enough() -> bool:
    """Whether ticks have waited for provisioning to pause for CAMPAIGNS_DEBOUNCE_MAX_SECONDS
    since the first of them was held (kept in the shared cache, per organisation)."""
    key = "campaigns.tick.held_since"
    now = time.time()
    cache.add(key, now, timeout=settings.CAMPAIGNS_DEBOUNCE_MAX_SECONDS * 4)
    held_since = cache.get(key, now)
    return now - held_since >= settings.CAMPAIGNS_DEBOUNCE_MAX_SECONDS


# Ahead of other jobs (procrastinate runs higher priorities first): a tick queued behind a
# campaign's hundreds of email batches would hold up the next people's enrolment.
@organisation_task(name="campaigns.tick", retry=RetryStrategy(max_attempts=5, wait=2), priority=10)
def tick(*, reminders: bool = False) -> dict[str, Any]:
    # Debounced: while Entra is still sending, the tick waits (up to the maximum wait) for
    # a pause. The work of a burst is then done once, set-based, after it, instead of a
    # little of it every two seconds on the CPUs that serve the burst (docs/campaigns.md).
    if _provisioning_recent() and not _waited_enough():
        _defer(delay=settings.CAMPAIGNS_DEBOUNCE_SECONDS, reminders=reminders)
        return {"held": True}
    cache.delete("campaigns.tick.held_since")
    joined, left = campaigns_evaluate_all()
    ran = steps_run_due()
    notices = notices_sweep()
    reminded = reminders_sweep() if reminders else 0
    return {"joined": joined, "left": left, "ran": ran, "notices": notices, "reminders": reminded}


def _defer(*, delay: int, reminders: bool = False) -> bool:
    """Queue a tick; False if one was already waiting (and will see this change)."""
    options = {
        "queueing_lock": f"campaigns.tick:{connection.schema_name}",
        "schedule_in": {"seconds": delay},
    }
    try:
        with transaction.atomic():  # a savepoint: the lock's refusal must not end the caller's
            organisation_defer(tick, options=options, reminders=reminders)
    except AlreadyEnqueued:
        return False  # a tick is waiting and has not started: it will see this change
    return True


def tick_debounced() -> None:
    """After a provisioning change, inside its transaction. Not called while a tick known
    to this process is pending: the campaigns' interest is false then (campaigns.interest)."""
    now = time.monotonic()
    schema = connection.schema_name
    # Queued by this process, or found waiting (queued by another process, or held by the
    # tick itself while provisioning goes on): either way a tick that has not started yet
    # sees this change, and one that starts within the next debounce period finds this
    # request in the provisioning log and holds itself again. Not asking again for that
    # period keeps the refused insert off every SCIM write of a burst.
    _defer(delay=settings.CAMPAIGNS_DEBOUNCE_SECONDS)
    transaction.on_commit(
        lambda: tick_pending_until(schema, now + settings.CAMPAIGNS_DEBOUNCE_SECONDS)
    )


def run_soon() -> None:
    """After a start or resume: no wait."""
    _defer(delay=0)


def _sweep_one() -> int:
    _defer(delay=0, reminders=True)
    return 1


@app.periodic(cron=settings.CAMPAIGNS_SWEEP_CRON)
@app.task(name="campaigns.sweep", queueing_lock="campaigns.sweep", priority=50)
def sweep(timestamp: int) -> int:
    return sum(each_organisation(_sweep_one).values())
