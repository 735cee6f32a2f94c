"""Jobs that belong to an organisation: one wrapper sets the tenant, so no task does.

A task declared with `organisation_task` takes an `organisation` keyword (the slug) that the
wrapper consumes: the function itself runs inside that organisation's schema, and sees only
its own keyword arguments. `organisation_defer` fills the slug in from the current schema,
on Django's own connection, so a job deferred inside a transaction commits or rolls back
with it (procrastinate's Django connector runs the INSERT on that connection).
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.manager import JobManager
from procrastinate.tasks import Task

from accounts.models import Organisation

logger = logging.getLogger(__name__)


class NoOrganisation(RuntimeError):
    """An organisation job was deferred from the public schema."""


def organisation_task(
    *, name: str, retry: RetryStrategy | int | bool = False, **options: Any
) -> Callable[[Callable[..., Any]], Task]:
    """Declare a job that runs in the schema of the organisation it was deferred for."""

    def decorate(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def run(*args: Any, organisation: str, **kwargs: Any) -> Any:
            # The organisation may have been deleted since: then there is nothing to do.
            if not Organisation.objects.filter(schema_name=organisation).exists():
                logger.warning("job %s: no organisation %r; skipped", name, organisation)
                return None
            with schema_context(organisation):
                return func(*args, **kwargs)  # args: the job context, if asked for

        return app.task(name=name, retry=retry, **options)(run)

    return decorate


# Inside a worker process, procrastinate replaces the app's connector with a pool of its
# own connections (`procrastinate worker`), so a job deferred by another job would be
# inserted outside the job's transaction: it could run before the rows it needs commit
# (an email job finding no email), or survive the job's rollback. Deferring through Django's
# connection keeps it in the caller's transaction in web and worker processes alike.
_ON_DJANGO_CONNECTION = JobManager(DjangoConnector())


def organisation_defer(
    task: Task, /, *, options: dict[str, Any] | None = None, **kwargs: Any
) -> int:
    """Defer `task` for the organisation whose schema is current, in the caller's
    transaction; `options` are procrastinate's (schedule_in, queueing_lock…). Returns the
    job id."""
    slug = connection.schema_name
    if slug == get_public_schema_name():
        raise NoOrganisation(f"{task.name} must be deferred inside an organisation's schema.")
    deferrer = task.configure(**(options or {}))
    deferrer.job_manager = _ON_DJANGO_CONNECTION
    return deferrer.defer(organisation=slug, **kwargs)
