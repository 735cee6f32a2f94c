"""Periodic jobs. procrastinate records each (task, period) it defers under a unique key, so
however many workers run, each period's job is deferred, and so run, once."""

import logging

from django.conf import settings
from procrastinate.contrib.django import app
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status

from looop.jobs import housekeeping

logger = logging.getLogger(__name__)


@app.periodic(cron=settings.JOBS_STALLED_CHECK_CRON)
@app.task(name="jobs.retry_stalled", queueing_lock="jobs.retry_stalled", priority=100)
async def retry_stalled(timestamp: int) -> int:
    """Run again the jobs of workers that stopped sending heartbeats (killed, or lost their
    machine). Their work was never marked done, so it is redone; tasks with an outside
    effect guard it with their own record. An email its worker had claimed is sent again,
    with the same Message-ID, unless its record says sent (looop/mail/sending.py)."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.JOBS_STALLED_SECONDS
    )
    for job in stalled:
        logger.warning("job %s (%s) stalled; retrying it", job.id, job.task_name)
        try:
            await app.job_manager.retry_job(job)
        except UniqueViolation:
            # Its queueing lock is held by a newer job of the same kind waiting to run
            # (campaigns.tick): that one does the work, so this one is closed, and the
            # remaining stalled jobs are still retried.
            await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
    return len(stalled)


@app.periodic(cron="17 3 * * *")  # daily, 03:17 UTC
@app.task(name="jobs.prune_provisioning_events", queueing_lock="jobs.prune_provisioning_events")
def prune_provisioning_events(timestamp: int) -> int:
    days = settings.SCIM_EVENT_RETENTION_DAYS
    return sum(housekeeping.provisioning_events_prune_everywhere(days=days).values())


@app.periodic(cron="23 * * * *")  # hourly
@app.task(name="jobs.clear_expired_sessions", queueing_lock="jobs.clear_expired_sessions")
def clear_expired_sessions(timestamp: int) -> int:
    return housekeeping.expired_sessions_clear_everywhere()


@app.periodic(cron="41 * * * *")  # hourly
@app.task(name="jobs.clear_expired_tickets", queueing_lock="jobs.clear_expired_tickets")
def clear_expired_tickets(timestamp: int) -> int:
    return housekeeping.expired_tickets_clear_everywhere()
