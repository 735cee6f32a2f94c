"""The job that sends one queued email, exactly once.

The row in `mail_outgoingemail` is the message's idempotency record. The job locks it, and
if it is not already sent, renders the message, and:

* over SMTP (looop/mail/smtp.py): sends all of DATA but its final line, marks the row sent,
  commits, then sends the final line. A worker killed before the commit leaves an incomplete
  DATA that the server discards, and a row still queued: the retry sends it once. A worker
  killed after the commit has already handed the final line to the kernel, which still
  delivers it. What remains is a few microseconds between the commit's reply and that write;
  a crash exactly there loses the message rather than sending it twice. If the server
  refuses the message at the end, the row is put back to queued and the job retries.
* with any other backend (files under .looop/mail in development): sends, then commits the
  row in the same transaction; a crash between the two could write a file twice.
"""

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from procrastinate import RetryStrategy

from looop.jobs.tenancy import organisation_task
from looop.mail.models import OutgoingEmail
from looop.mail.rendering import email_build
from looop.mail.selectors import UNCERTAIN
from looop.mail.smtp import EmailBackend, SmtpRefused

logger = logging.getLogger(__name__)

_backends: dict[int, Any] = {}  # one open connection per worker thread


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


def _record_failure(email_id: str, error: Exception, *, final: bool) -> None:
    OutgoingEmail.objects.filter(pk=email_id, sent_at__isnull=True).update(
        attempts=F("attempts") + 1,
        last_error=str(error)[:500] or error.__class__.__name__,
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
    try:
        return _send_once(email_id)
    except Exception as exc:
        _drop_backend()
        permanent = isinstance(exc, SmtpRefused) and exc.permanent
        _record_failure(email_id, exc, final=final_attempt or permanent)
        if permanent:  # 5xx: trying again would get the same answer
            logger.warning("email %s refused for good: %s", email_id, exc)
            return "refused"
        raise


def _send_once(email_id: str) -> str:
    backend = _backend()
    smtp = isinstance(backend, EmailBackend)
    with transaction.atomic():
        record = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if record is None:
            return "gone"
        if record.sent_at is not None:
            return "already sent"
        message = email_build(record, organisation=connection.schema_name)
        now = timezone.now()
        OutgoingEmail.objects.filter(pk=record.pk).update(
            status=OutgoingEmail.Status.SENT, sent_at=now, attempts=record.attempts + 1
        )
        if smtp:
            try:
                backend.data_begin(message)
            except BaseException:
                backend.abandon()  # the server discards the half-sent message
                raise
        else:  # a fresh backend each time: the file backend writes one file per email
            _drop_backend()
            with get_connection(fail_silently=False) as single:
                single.send_messages([message])
    # Committed: the message is now the server's to deliver once we end DATA.
    if smtp:
        try:
            backend.data_end()
        except SmtpRefused:  # the server answered no: it did not take the message
            # Undo the "sent" mark; the failure handler counts this attempt.
            OutgoingEmail.objects.filter(pk=email_id).update(
                status=OutgoingEmail.Status.QUEUED, sent_at=None, attempts=F("attempts") - 1
            )
            raise
        except Exception as exc:  # no answer: it may have taken it, so never send again
            _drop_backend()
            OutgoingEmail.objects.filter(pk=email_id).update(
                last_error=f"{UNCERTAIN}: no reply after the message ({exc})"[:500]
            )
            return "uncertain"
    return "sent"
