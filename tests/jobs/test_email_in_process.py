"""The sending job run in this process: file backend, idempotency, and the console page."""

from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context

from looop.mail import sending
from looop.mail.models import OutgoingEmail
from looop.mail.sending import email_send
from looop.mail.services import email_queue
from looop.mail.smtp import NoReply
from tests.accounts.console_support import signed_in

pytestmark = pytest.mark.django_db


def run_job(email_id: str, attempts: int = 0) -> str:
    """The task as procrastinate calls it: the job context, then the job's arguments."""
    context = SimpleNamespace(job=SimpleNamespace(attempts=attempts))
    return email_send.func(context, organisation="acme", email_id=email_id)


def test_the_file_backend_writes_one_file_per_email_and_never_twice(settings, tmp_path, acme):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    with schema_context("acme"):
        record = email_queue(kind="notice", person=None, to_address="x@acme.test", text="Hello")
    assert run_job(str(record.pk)) == "sent"
    assert run_job(str(record.pk)) == "already sent"
    [written] = list(tmp_path.iterdir())
    content = written.read_text()
    assert f"Message-ID: <{record.pk}@looop.localhost>" in content
    assert "Content-Type: text/plain" in content and "Content-Type: text/html" in content
    with schema_context("acme"):
        row = OutgoingEmail.objects.get(pk=record.pk)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")


def test_a_failed_attempt_keeps_the_reason_and_the_last_one_gives_up(settings, acme):
    settings.EMAIL_BACKEND = "looop.mail.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with schema_context("acme"):
        record = email_queue(kind="notice", person=None, to_address="x@acme.test", text="Hi")
    with pytest.raises(ConnectionRefusedError):
        run_job(str(record.pk))
    with schema_context("acme"):
        row = OutgoingEmail.objects.get(pk=record.pk)
        assert (row.status, row.attempts) == ("queued", 1)
        assert "Connection refused" in row.last_error
    with pytest.raises(ConnectionRefusedError):
        run_job(str(record.pk), attempts=settings.MAIL_MAX_ATTEMPTS - 1)
    with schema_context("acme"):
        assert OutgoingEmail.objects.get(pk=record.pk).status == "failed"


def _failed_email(slug: str, address: str) -> None:
    with schema_context(slug):
        OutgoingEmail.objects.create(
            kind="invitation",
            to_address=address,
            status="failed",
            attempts=8,
            last_error="The mail server refused RCPT TO: 550 5.1.1 No such user",
        )
        OutgoingEmail.objects.create(
            kind="notice", to_address="fine@x.test", status="sent", last_error="451 then sent"
        )
        OutgoingEmail.objects.create(
            kind="notice",
            to_address=f"unsure@{slug}.test",
            status="sent",
            last_error="Delivery uncertain: no reply after the message (timed out)",
        )


def test_admins_see_their_organisations_failed_emails_with_the_reason(alice_client, gina):
    _failed_email("acme", "lost@acme.test")
    _failed_email("globex", "other@globex.test")
    page = alice_client.get("/account/email")
    assert page.status_code == 200
    body = page.content.decode()
    assert "lost@acme.test" in body and "550 5.1.1 No such user" in body and "Gave up" in body
    assert "unsure@acme.test" in body and "Uncertain" in body
    assert "other@globex.test" not in body and "fine@x.test" not in body
    assert signed_in("globex", gina).get("/account/email").content.decode().count("<tr>") == 3


def test_members_cannot_see_failed_emails(acme):
    from accounts.actors import SYSTEM
    from accounts.services import user_create

    with schema_context("acme"):
        member = user_create(
            actor=SYSTEM, user_name="m@acme.test", email="m@acme.test", password="x" * 20
        )
    assert signed_in("acme", member).get("/account/email").status_code == 403


# --- Attempts that were cut off: never lost, sent again with the same Message-ID ---


def test_an_attempt_whose_worker_died_is_sent_again_and_noted(smtp_settings, mailbox, acme):
    with schema_context("acme"):
        record = email_queue(kind="notice", person=None, to_address="x@acme.test", text="Hi")
        sending._claim([str(record.pk)])  # ... and the worker was killed here
        assert OutgoingEmail.objects.get(pk=record.pk).status == "sending"
    assert run_job(str(record.pk), attempts=1) == "sent"
    assert [r.message_id for r in mailbox.received] == [f"<{record.pk}@looop.localhost>"]
    with schema_context("acme"):
        row = OutgoingEmail.objects.get(pk=record.pk)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, sending.INTERRUPTED)


def test_a_silent_server_gets_the_message_again_with_the_same_message_id(
    smtp_settings, mailbox, acme
):
    smtp_settings.EMAIL_TIMEOUT = 1
    mailbox.silent_next, mailbox.silent_seconds = 1, 2
    with schema_context("acme"):
        record = email_queue(kind="notice", person=None, to_address="x@acme.test", text="Hi")
    with pytest.raises(NoReply):
        run_job(str(record.pk))
    with schema_context("acme"):
        row = OutgoingEmail.objects.get(pk=record.pk)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error == (
        "Delivery uncertain: no reply after the message"
        " (Connection unexpectedly closed: timed out);"
        " sent again with the same Message-ID"
    )
    assert run_job(str(record.pk), attempts=1) == "sent"
    message_id = f"<{record.pk}@looop.localhost>"
    assert [r.message_id for r in mailbox.received] == [message_id, message_id]
    with schema_context("acme"):
        assert OutgoingEmail.objects.get(pk=record.pk).status == "sent"


def test_an_attempt_overtaken_by_a_newer_claim_sends_nothing(smtp_settings, mailbox, acme):
    with schema_context("acme"):
        record = email_queue(kind="notice", person=None, to_address="x@acme.test", text="Hi")
        slow, [slow_record] = sending._claim([str(record.pk)])  # taken for dead, still alive
        fresh, [fresh_record] = sending._claim([str(record.pk)])  # the job run again elsewhere
        assert sending._attempt(slow_record, slow) == "taken over"
        assert mailbox.received == []
        assert sending._attempt(fresh_record, fresh) == "sent"
        assert sending._claim([str(record.pk)])[1] == []  # sent: no attempt after it
        row = OutgoingEmail.objects.get(pk=record.pk)
    assert [r.message_id for r in mailbox.received] == [f"<{record.pk}@looop.localhost>"]
    # The second claim found the first `sending`: it counts it as a try that may have
    # reached the server, and says so.
    assert (row.status, row.attempts, row.claim) == ("sent", 2, fresh)
    assert row.last_error == sending.INTERRUPTED
