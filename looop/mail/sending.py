"""The job that sends one queued email: never lost, and never sent twice but in one window.

The row in `mail_outgoingemail` is the message's idempotency record, and its id is the
message's Message-ID (looop/mail/rendering.py), so every attempt sends the same Message-ID.

1. **Claim** (its own transaction, committed before any SMTP): lock the row; if it is sent,
   stop. Otherwise mark it `sending` with a new claim id and count the attempt.
2. **Send**: in a second transaction, lock the row again (still ours: same claim id), send
   the message but its final line, mark the row sent (not yet committed), send the final
   line, wait for the server's 250, and commit. The row lock is held over the SMTP
   exchange, so a second job for the same email (a stalled job run again while its worker
   still lives) waits, then finds it sent.

A worker killed at any point before the commit of step 2 leaves the row `sending` and its
job `doing`; when its heartbeats stop, `jobs.retry_stalled` (looop/jobs/tasks.py) runs the job
again and the message is sent again. Nothing is lost. If the kill fell in the window
between the server's 250 and that commit (one database round trip), the server
already had the message: it then receives it a second time, with the same Message-ID, which
mail systems use to drop duplicates. A retried claim therefore notes that delivery was
uncertain, and admins see it under Account > Email.

A server that refuses (4xx) puts the row back to queued and the job retries with backoff;
5xx gives up at once. A server that does not answer after the message is a failed attempt
too: retried, with the same Message-ID, and noted as uncertain.

With any other backend (files under .looop/mail in development) the steps are the same.
"""

import logging
import threading
import uuid
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
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


def _record_failure(
    email_id: str, claim: uuid.UUID | None, error: Exception, *, final: bool
) -> None:
    """The attempt was counted by its claim; keep the reason, and queue or give up."""
    reason = str(error)[:500] or error.__class__.__name__
    if isinstance(error, NoReply):
        reason = f"{UNCERTAIN}: {reason}; sent again with the same Message-ID"[:500]
    rows = OutgoingEmail.objects.filter(pk=email_id, sent_at__isnull=True)
    if claim is not None:
        rows = rows.filter(claim=claim)  # a newer attempt's record is not ours to change
    rows.update(
        last_error=reason,
        status=OutgoingEmail.Status.FAILED if final else OutgoingEmail.Status.QUEUED,
    )


@organisation_task(
    name="mail.send",
    retry=RetryStrategy(max_attempts=settings.MAIL_MAX_ATTEMPTS, exponential_wait=2),
    pass_context=True,
)
def email_send(context: Any, *, email_id: str) -> str:
    """Send one queued email; a message already sent is never sent again."""
    final_attempt = context.job.attempts + 1 >= settings.MAIL_MAX_ATTEMPTS
    claim: uuid.UUID | None = None
    try:
        claim = _claim(email_id)
        if claim is None:
            return "already sent"
        return _send_claimed(email_id, claim)
    except Exception as exc:
        _drop_backend()
        permanent = isinstance(exc, SmtpRefused) and exc.permanent
        _record_failure(email_id, claim, exc, final=final_attempt or permanent)
        if permanent:  # 5xx: trying again would get the same answer
            logger.warning("email %s refused for good: %s", email_id, exc)
            return "refused"
        raise


# A batch job sends this many messages one after another over its thread's SMTP connection.
BATCH_MAX = 50


@organisation_task(name="mail.send_batch", retry=RetryStrategy(max_attempts=3, wait=2))
def email_send_batch(*, email_ids: list[str]) -> dict[str, int]:
    """Send queued emails one by one, each exactly as `email_send` does (its own claim and
    its own "sent" commit), over one SMTP connection: what a job costs the queue is paid
    once per batch, not once per message. A message that fails here gets its own
    `mail.send` job, whose retries and backoff are those of a single email. A batch run
    again after its worker died finds the messages it sent marked sent, and sends again
    only the one it held (with the same Message-ID, noted as uncertain)."""
    outcome = {"sent": 0, "skipped": 0, "retried": 0}
    org = Organisation.objects.get(schema_name=connection.schema_name)
    for email_id in email_ids[:BATCH_MAX]:
        claim: uuid.UUID | None = None
        try:
            claim = _claim(email_id)
            if claim is None or _send_claimed(email_id, claim, org) != "sent":
                outcome["skipped"] += 1
                continue
            outcome["sent"] += 1
        except Exception as exc:
            _drop_backend()
            permanent = isinstance(exc, SmtpRefused) and exc.permanent
            _record_failure(email_id, claim, exc, final=permanent)
            if permanent:
                logger.warning("email %s refused for good: %s", email_id, exc)
                continue
            logger.info("email %s: %s; retried on its own", email_id, exc)
            organisation_defer(email_send, options={"schedule_in": {"seconds": 2}},
                               email_id=email_id)  # fmt: skip
            outcome["retried"] += 1
    return outcome


@transaction.atomic
def _claim(email_id: str) -> uuid.UUID | None:
    """Step 1, committed before SMTP: this attempt is under way. None if nothing to send."""
    record = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
    if record is None or record.sent_at is not None:
        return None
    claim = uuid.uuid4()
    changes: dict[str, Any] = {
        "status": OutgoingEmail.Status.SENDING,
        "claim": claim,
        "claimed_at": timezone.now(),
        "attempts": record.attempts + 1,
    }
    if record.status == OutgoingEmail.Status.SENDING:  # its worker died mid-attempt
        logger.warning("email %s: attempt %s was interrupted; sending again", email_id, claim)
        changes["last_error"] = INTERRUPTED
    OutgoingEmail.objects.filter(pk=email_id).update(**changes)
    return claim


def _send_claimed(email_id: str, claim: uuid.UUID, org: Organisation | None = None) -> str:
    """Step 2: send while holding the row, then mark it sent in the same transaction."""
    sent = {"status": OutgoingEmail.Status.SENT, "sent_at": timezone.now()}
    with transaction.atomic():
        # The person comes with the row (only the email's row is locked).
        record = (
            OutgoingEmail.objects.select_for_update(of=("self",))
            .select_related("to_user")
            .filter(pk=email_id, claim=claim)
            .first()
        )
        if record is None or record.sent_at is not None:
            return "taken over"  # another attempt claimed it since (and holds or sent it)
        message = email_build(record, organisation=connection.schema_name, org=org)
        backend = _backend()
        if not isinstance(backend, EmailBackend):  # the file backend: one file per email
            _drop_backend()
            with get_connection(fail_silently=False) as single:
                single.send_messages([message])
            OutgoingEmail.objects.filter(pk=email_id).update(**sent)
            return "sent"
        backend.data_begin(message)  # all but the final "."; dropped, the server discards it
        # Everything the commit needs is done before the server can take the message, and the
        # commit does not wait for the disk: the window in which a kill means a second copy
        # (the server answered 250, the commit has not reached the database) is one round
        # trip. A crash of the database itself can lose this mark, never the message: the
        # claim is durable, so the message is sent again with the same Message-ID.
        OutgoingEmail.objects.filter(pk=email_id).update(**sent)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        backend.data_end()  # a refusal or no answer raises, and the mark rolls back
    return "sent"
