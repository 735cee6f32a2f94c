"""Campaign jobs: one "tick" per organisation, debounced, and a sweep every minute.

A tick re-evaluates every started campaign's audience, runs the steps that are due, and
queues share notices. Provisioning changes defer it CAMPAIGNS_DEBOUNCE_SECONDS later under
a queueing lock per organisation, so a burst of SCIM requests makes one tick, and the SCIM
request only inserts (or finds) that job row. The sweep defers a tick for every
organisation each minute: steps falling due with time, and any change whose tick had
already started when it committed.
"""

import logging
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from campaigns.notices import notices_sweep, reminders_sweep
from campaigns.runner import steps_run_due
from campaigns.services import campaigns_evaluate_all
from looop.jobs.housekeeping import each_organisation
from looop.jobs.tenancy import organisation_defer, organisation_task

logger = logging.getLogger(__name__)


@organisation_task(name="campaigns.tick", retry=RetryStrategy(max_attempts=5, wait=2))
def tick(*, reminders: bool = False) -> dict[str, Any]:
    joined, left = campaigns_evaluate_all()
    ran = steps_run_due()
    notices = notices_sweep()
    reminded = reminders_sweep() if reminders else 0
    return {"joined": joined, "left": left, "ran": ran, "notices": notices, "reminders": reminded}


# When this process last queued a debounced tick per organisation, and for when: while that
# tick is still well in the future it will see a change committing now, so a burst of SCIM
# writes queues (or finds) the job once per debounce period, not once per request.
_queued_for: dict[str, float] = {}
_MARGIN_SECONDS = 0.5


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
    """After a provisioning change, inside its transaction."""
    now = time.monotonic()
    if _queued_for.get(connection.schema_name, 0.0) - now > _MARGIN_SECONDS:
        return  # a tick queued by this process runs after this change commits
    if not _defer(delay=settings.CAMPAIGNS_DEBOUNCE_SECONDS):
        return  # queued by another process, for a time this one does not know
    transaction.on_commit(
        lambda schema=connection.schema_name: _queued_for.__setitem__(
            schema, now + settings.CAMPAIGNS_DEBOUNCE_SECONDS
        )
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
