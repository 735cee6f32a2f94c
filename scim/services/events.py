"""Recording SCIM requests in the provisioning log (scim/event_log.py is its batch writer)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from looop.db.async_commit import execute_returning
from scim import event_log
from scim.event_log import EVENT_COLUMNS, EVENT_FIELDS, event_row
from scim.models import ProvisioningEvent, RejectedRequestCount, ScimToken

_EVENT_INSERT = "INSERT INTO {} ({}) VALUES ({}) RETURNING id".format(
    ProvisioningEvent._meta.db_table, EVENT_COLUMNS, ", ".join(["%s"] * len(EVENT_FIELDS))
)


def _event_values(token: ScimToken | None, fields: dict[str, Any]) -> tuple[Any, ...]:
    return event_row(token_id=token.pk if token is not None else None, **fields)


def _event_insert(row: tuple[Any, ...]) -> int:
    inserted = execute_returning(_EVENT_INSERT, list(row))
    assert inserted is not None
    return inserted[0]


def event_record(*, token: ScimToken | None = None, **fields: Any) -> int:
    """Record one provisioning event now and return its id: a single INSERT of plain values
    (`scim.event_log.event_row`'s fields), committed without waiting for the disk (or in
    the caller's transaction)."""
    return _event_insert(_event_values(token, fields))


def event_submit(*, token: ScimToken | None = None, **fields: Any) -> None:
    """Log one SCIM request's event (`event_record`'s arguments).

    It is queued for this process's batch writer (`scim.event_log`), except inside a
    transaction, whose fate it then shares, and when `SCIM_EVENT_FLUSH_MS` is 0.
    """
    row = _event_values(token, fields)
    if connection.in_atomic_block or settings.SCIM_EVENT_FLUSH_MS <= 0:
        _event_insert(row)
    else:
        event_log.queue.put(connection.schema_name, row)


def rejection_reason(authorization: str | None) -> str:
    """Why a request got no further than authentication (RejectedRequestCount.Reason)."""
    if not authorization:
        return RejectedRequestCount.Reason.MISSING
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return RejectedRequestCount.Reason.MALFORMED
    return RejectedRequestCount.Reason.INVALID


def rejected_request_count(*, authorization: str | None) -> None:
    """Count a SCIM request without a valid token in this organisation's per-minute tally,
    instead of logging it as an event. Queued like events (`event_submit`), so a flood of
    them costs no database write per request."""
    minute = timezone.now().replace(second=0, microsecond=0)
    reason = rejection_reason(authorization)
    if connection.in_atomic_block or settings.SCIM_EVENT_FLUSH_MS <= 0:
        with transaction.atomic():  # a failure leaves an enclosing transaction usable
            event_log.rejections_add(connection.schema_name, {(minute, reason): 1})
    else:
        event_log.queue.count_rejected(connection.schema_name, minute, reason)


def events_prune(*, older_than: timedelta) -> int:
    """Drop events (and counts of rejected requests) older than `older_than`."""
    cutoff = timezone.now() - older_than
    deleted, _ = ProvisioningEvent.objects.filter(at__lt=cutoff).delete()
    RejectedRequestCount.objects.filter(minute__lt=cutoff).delete()
    return deleted
