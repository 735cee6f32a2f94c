"""The jobs that send queued email: never lost, and never sent twice but in one window.

The row in `mail_outgoingemail` is the message's idempotency record, and its id is the
message's Message-ID (looop/mail/rendering.py), so every attempt sends the same Message-ID.
A job sends one email (`mail.send`) or a batch of up to BATCH_MAX (`mail.send_batch`), and
both do it the same way:

1. **Claim** (one statement for the whole job, committed before any SMTP): each of its
   messages that is neither sent nor failed gets the job's new claim id and the status
   `sending`. A message another attempt is sending at that moment is locked by it: the claim
   waits, then finds it sent (and leaves it), or back in the queue (and claims it).
2. **Send**, one message after another in the job's order over the thread's SMTP
   connection, each in a transaction of its own: one UPDATE locks the row, checks that it is
   still ours (same claim id) and marks it sent, not yet committed; the message goes to the
   server; after the server's 250 the transaction commits. The row lock is held over the
   SMTP exchange, so a second job for the same email waits, then finds it sent.

A worker killed at any point before a message's commit leaves its job `doing`; when its
heartbeats stop, `jobs.retry_stalled` (looop/jobs/tasks.py) runs the job again, and the
claim of that run skips what was sent. Messages go out in the job's order, each committed
before the next begins, so of the messages still claimed only the first in that order can
have been in flight; the ones after it were never tried. If the kill fell in the window
between the server's 250 and that commit (one database round trip), the server already had
the message: it receives it a second time, with the same Message-ID, which mail systems use
to drop duplicates. So that message, and only that one, is noted as uncertain, and admins
see it under Account > Email. `attempts` counts the tries that may have reached the server.

A server that refuses (4xx) puts the message back to queued: a single job retries with
backoff, and a batch gives it a single job of its own; 5xx gives up at once. A server that
does not answer after the message is a failed attempt too: retried, with the same
Message-ID, and noted as uncertain.

With any other backend (files under .looop/mail in development) the steps are the same.
"""

import logging
import threading
import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from procrastinate import RetryStrategy

from accounts.models import Organisation
from looop.jobs.tenancy import organisation_defer, organisation_task
from looop.mail.models import OutgoingEmail
from looop.mail.rendering import email_build
from looop.mail.selectors import UNCERTAIN
from looop.mail.smtp import EmailBackend, NoReply, SmtpRefused

logger = logging.getLogger(__name__)

_backends: dict[int, Any] = {}  # one open connection per worker thread

INTERRUPTED = (
    f"{UNCERTAIN}: an earlier attempt was interrupted; sent again with the same Message-ID"
)

# A batch job sends this many messages one after another over its thread's SMTP connection.
BATCH_MAX = 50

_TABLE = OutgoingEmail._meta.db_table
_S = OutgoingEmail.Status

# Step 1. Rows are locked in id order, so two claims of overlapping jobs cannot deadlock.
# `cut_off` is the message a dead attempt of this job may have had in flight: the first still
# `sending`, in the job's order.
_CLAIM = f"""
WITH job AS (
    SELECT id, ord FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS job(id, ord)
), mine AS (
    SELECT e.id, e.status, job.ord FROM {_TABLE} e JOIN job ON job.id = e.id
    WHERE e.sent_at IS NULL AND e.status <> '{_S.FAILED}'
    ORDER BY e.id
    FOR UPDATE OF e
), cut_off AS (
    SELECT id FROM mine WHERE status = '{_S.SENDING}' ORDER BY ord LIMIT 1
)
UPDATE {_TABLE} e SET status = '{_S.SENDING}', claim = %(claim)s, claimed_at = %(now)s,
    attempts = e.attempts + (e.id IN (SELECT id FROM cut_off))::int,
    last_error = CASE WHEN e.id IN (SELECT id FROM cut_off) THEN %(interrupted)s
        ELSE e.last_error END
FROM mine WHERE e.id = mine.id
RETURNING e.id, mine.ord, e.id IN (SELECT id FROM cut_off)
"""

# Step 2, the first statement of a message's transaction: lock, check and mark at once.
_MARK_SENT = f"""
UPDATE {_TABLE} SET status = '{_S.SENT}', sent_at = %s, attempts = attempts + 1
WHERE id = %s AND claim = %s AND sent_at IS NULL
"""


def _backend() -> Any:
    key = threading.get_ident()
    backend = _backends.get(key)
    if backend is None:
        backend = _backends[key] = get_connection(fail_silently=False)
    return backend


def _drop_backend() -> None:
    backend = _backends.pop(threading.get_ident(), None)
    if isinstance(backend, EmailBackend):
        backend.abandon()


def _claim(email_ids: list[str]) -> tuple[uuid.UUID, list[OutgoingEmail]]:
    """Step 1, committed before SMTP: claim the job's messages still to send, and return
    them in the job's order, each with its person."""
    claim = uuid.uuid4()
    params = {"ids": email_ids, "claim": claim, "now": timezone.now(), "interrupted": INTERRUPTED}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM, params)
        claimed = cursor.fetchall()
    if not claimed:
        return claim, []
    for email_id, _, interrupted in claimed:
        if interrupted:
            logger.warning("email %s: an attempt was interrupted; sending again", email_id)
    records = OutgoingEmail.objects.select_related("to_user").in_bulk([c[0] for c in claimed])
    return claim, [records[email_id] for email_id, _, _ in sorted(claimed, key=lambda c: c[1])]


def _send_claimed(record: OutgoingEmail, claim: uuid.UUID, message: EmailMessage) -> str:
    """Step 2: mark the message sent, send it while holding its row, and commit after the
    server's 250. "taken over" if another attempt claimed it since (and holds or sent it)."""
    backend = _backend()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_MARK_SENT, [timezone.now(), record.pk, claim])
            if cursor.rowcount == 0:
                return "taken over"
            # The commit does not wait for the disk: the window in which a kill means a second
            # copy (the server answered 250, the commit has not reached the database) is one
            # round trip. A crash of the database itself can lose this mark, never the
            # message: the claim is durable, so the message is sent again, as uncertain.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if not isinstance(backend, EmailBackend):  # the file backend: one file per email
            _drop_backend()
            with get_connection(fail_silently=False) as single:
                single.send_messages([message])
            return "sent"
        backend.data_begin(message)  # all but the final "."; dropped, the server discards it
        backend.data_end()  # a refusal or no answer raises, and the mark rolls back
    return "sent"


def _attempt(record: OutgoingEmail, claim: uuid.UUID, org: Organisation | None = None) -> str:
    """Build the message (outside the row's transaction) and send it."""
    message = email_build(record, organisation=connection.schema_name, org=org)
    return _send_claimed(record, claim, message)


def _record_failure(email_id: Any, claim: uuid.UUID, error: Exception, *, final: bool) -> None:
    """The attempt's mark rolled back: count the attempt, keep the reason, and queue the
    message again or give up."""
    reason = str(error)[:500] or error.__class__.__name__
    if isinstance(error, NoReply):
        reason = f"{UNCERTAIN}: {reason}; sent again with the same Message-ID"[:500]
    # A newer attempt's record (another claim) is not ours to change.
    OutgoingEmail.objects.filter(pk=email_id, claim=claim, sent_at__isnull=True).update(
        last_error=reason,
        status=_S.FAILED if final else _S.QUEUED,
        attempts=F("attempts") + 1,
    )


def _failed(email_id: Any, claim: uuid.UUID, error: Exception, *, final: bool) -> bool:
    """Record a failed attempt; True if the server refused for good (5xx)."""
    _drop_backend()
    permanent = isinstance(error, SmtpRefused) and error.permanent
    _record_failure(email_id, claim, error, final=final or permanent)
    if permanent:  # trying again would get the same answer
        logger.warning("email %s refused for good: %s", email_id, error)
    return permanent


@organisation_task(
    name="mail.send",
    retry=RetryStrategy(max_attempts=settings.MAIL_MAX_ATTEMPTS, exponential_wait=2),
    pass_context=True,
)
def email_send(context: Any, *, email_id: str) -> str:
    """Send one queued email; a message already sent is never sent again."""
    final_attempt = context.job.attempts + 1 >= settings.MAIL_MAX_ATTEMPTS
    claim, records = _claim([email_id])
    if not records:
        return "already sent"
    try:
        return _attempt(records[0], claim)
    except Exception as exc:
        if _failed(email_id, claim, exc, final=final_attempt):
            return "refused"
        raise


@organisation_task(name="mail.send_batch", retry=RetryStrategy(max_attempts=3, wait=2))
def email_send_batch(*, email_ids: list[str]) -> dict[str, int]:
    """Send queued emails over one SMTP connection, claimed together and each marked sent
    on its own (steps 1 and 2 above): what a job costs the queue, and a claim the database,
    is paid once per batch, not once per message. A message that fails here gets its own
    `mail.send` job, whose retries and backoff are those of a single email."""
    ids = email_ids[:BATCH_MAX]
    org = Organisation.objects.get(schema_name=connection.schema_name)
    claim, records = _claim(ids)
    outcome = {"sent": 0, "skipped": len(ids) - len(records), "retried": 0, "refused": 0}
    for record in records:
        try:
            result = _attempt(record, claim, org)
            outcome["sent" if result == "sent" else "skipped"] += 1
        except Exception as exc:
            if _failed(record.pk, claim, exc, final=False):
                outcome["refused"] += 1
                continue
            logger.info("email %s: %s; retried on its own", record.pk, exc)
            organisation_defer(email_send, options={"schedule_in": {"seconds": 2}},
                               email_id=str(record.pk))  # fmt: skip
            outcome["retried"] += 1
    return outcome
