"""A job's messages are claimed in one statement and each is marked sent in its own
transaction (looop/mail/sending.py): two attempts never both send a message, an SMTP error
mid-batch costs only that message its place, and a kill sends again only the one in flight.
Real PostgreSQL and the loopback SMTP server; the job runs in this process."""

import threading
import time
import uuid
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from looop.mail import sending
from looop.mail.models import OutgoingEmail
from looop.mail.smtp import EmailBackend

# The tests that take `acme` run in a transaction that is rolled back (pytest-django's `db`);
# the race between two threads needs committed rows, in an organisation of its own.


def _queued(slug: str, count: int) -> list[str]:
    """`count` queued notices in `slug`, with no job (the test runs what it needs)."""
    with schema_context(slug):
        records = OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                kind="notice",
                to_address=f"p{i}@{slug}.test",
                context={"subject": f"Hello {i}", "text": "Hi"},
            )
            for i in range(count)
        )
    return [str(r.pk) for r in records]


def _rows(slug: str, ids: list[str]) -> list[tuple[str, int, str]]:
    """(status, attempts, last_error) of each message, in `ids`' order."""
    with schema_context(slug):
        found = OutgoingEmail.objects.in_bulk([uuid.UUID(i) for i in ids])
    return [(r.status, r.attempts, r.last_error) for r in (found[uuid.UUID(i)] for i in ids)]


def _delivered(mailbox) -> Counter[str]:
    return Counter(r.message_id for r in mailbox.received)


def _message_ids(ids: list[str]) -> list[str]:
    return [f"<{i}@looop.localhost>" for i in ids]


def _batch(slug: str, ids: list[str]) -> dict[str, int]:
    """The batch job as procrastinate runs it."""
    return sending.email_send_batch.func(organisation=slug, email_ids=ids)


def _jobs_for(ids: list[str]) -> list[tuple[str, str, str]]:
    """(task, organisation, email) of the waiting single-email jobs for these messages."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, args->>'organisation', args->>'email_id' FROM procrastinate_jobs"
            " WHERE status = 'todo' AND args->>'email_id' = ANY(%s) ORDER BY id",
            [ids],
        )
        return cursor.fetchall()


def test_a_batch_sends_each_message_once_in_the_jobs_order(smtp_settings, mailbox, acme):
    ids = _queued("acme", 4)
    assert _batch("acme", ids) == {"sent": 4, "skipped": 0, "retried": 0, "refused": 0}
    assert [r.message_id for r in mailbox.received] == _message_ids(ids)
    assert [r.message["Subject"] for r in mailbox.received] == [f"Hello {i}" for i in range(4)]
    assert _rows("acme", ids) == [("sent", 1, "")] * 4
    # Run again (a retry of the job): nothing is claimed, nothing is sent.
    assert _batch("acme", ids) == {"sent": 0, "skipped": 4, "retried": 0, "refused": 0}
    assert len(mailbox.received) == 4


def test_a_batch_costs_a_fixed_number_of_statements_and_two_per_message(
    smtp_settings, mailbox, acme
):
    small, large = _queued("acme", 3), _queued("acme", 12)
    with CaptureQueriesContext(connection) as few:
        _batch("acme", small)
    with CaptureQueriesContext(connection) as many:
        _batch("acme", large)
    # Per message: the UPDATE that locks, checks and marks it, SET LOCAL for its commit, and
    # its transaction (a savepoint and its release here, inside the test's transaction).
    assert len(many) - len(few) == 4 * (12 - 3)
    # Per batch: the organisation (checked, then read), the search_path twice, the claim in
    # its transaction, and one read of the claimed messages with their people.
    assert len(few) == 8 + 4 * 3
    assert len(mailbox.received) == 15


def test_a_batch_of_another_organisations_or_unknown_ids_sends_nothing(
    smtp_settings, mailbox, acme, globex
):
    theirs = _queued("globex", 1)
    unknown = str(uuid.uuid4())
    assert _batch("acme", [*theirs, unknown]) == {
        "sent": 0,
        "skipped": 2,
        "retried": 0,
        "refused": 0,
    }
    assert mailbox.received == []
    assert _rows("globex", theirs) == [("queued", 0, "")]


def test_an_smtp_error_mid_batch_retries_or_fails_that_message_and_sends_the_rest(
    smtp_settings, mailbox, acme
):
    ids = _queued("acme", 5)
    mailbox.replies = ["250", "451 4.3.0 Try again later", "550 5.1.1 No such user"]
    assert _batch("acme", ids) == {"sent": 3, "skipped": 0, "retried": 1, "refused": 1}
    assert _delivered(mailbox) == Counter(_message_ids([ids[0], ids[3], ids[4]]))
    refused = "The mail server refused end of DATA: "
    assert _rows("acme", ids) == [
        ("sent", 1, ""),
        ("queued", 1, f"{refused}451 4.3.0 Try again later"),  # its own job retries it
        ("failed", 1, f"{refused}550 5.1.1 No such user"),  # given up at once
        ("sent", 1, ""),
        ("sent", 1, ""),
    ]
    assert _jobs_for(ids) == [("mail.send", "acme", ids[1])]
    # The batch run again (its own retry) sends the queued one, never the failed one; then
    # the single job finds it sent.
    assert _batch("acme", ids) == {"sent": 1, "skipped": 4, "retried": 0, "refused": 0}
    context = type("Context", (), {"job": type("Job", (), {"attempts": 0})})()
    assert sending.email_send.func(context, organisation="acme", email_id=ids[1]) == (
        "already sent"
    )
    assert _delivered(mailbox) == Counter(_message_ids([ids[0], ids[1], ids[3], ids[4]]))
    assert _rows("acme", ids)[1] == ("sent", 2, f"{refused}451 4.3.0 Try again later")


def test_no_answer_mid_batch_is_retried_alone_and_noted_uncertain(smtp_settings, mailbox, acme):
    smtp_settings.EMAIL_TIMEOUT = 1
    mailbox.silent_next, mailbox.silent_seconds = 1, 2
    ids = _queued("acme", 2)
    assert _batch("acme", ids) == {"sent": 1, "skipped": 0, "retried": 1, "refused": 0}
    assert _rows("acme", ids) == [
        (
            "queued",
            1,
            "Delivery uncertain: no reply after the message (Connection unexpectedly closed:"
            " timed out); sent again with the same Message-ID",
        ),
        ("sent", 1, ""),
    ]
    assert _jobs_for(ids) == [("mail.send", "acme", ids[0])]


class Killed(BaseException):
    """SIGKILL, as far as this process can play it: nothing after it runs."""


def test_a_kill_after_the_server_took_a_message_sends_again_only_that_one(
    smtp_settings, mailbox, acme, monkeypatch
):
    ids = _queued("acme", 4)
    data_end = EmailBackend.data_end
    ended = []

    def data_end_then_die(self: EmailBackend) -> None:
        data_end(self)  # the server answered 250 and has the message...
        ended.append(1)
        if len(ended) == 2:
            raise Killed  # ... and the worker dies before the commit

    monkeypatch.setattr(EmailBackend, "data_end", data_end_then_die)
    with pytest.raises(Killed):
        _batch("acme", ids)
    monkeypatch.undo()
    sending._drop_backend()
    assert _rows("acme", ids) == [("sent", 1, "")] + [("sending", 0, "")] * 3
    # The job run again: the first still claimed is the one that was in flight.
    assert _batch("acme", ids) == {"sent": 3, "skipped": 1, "retried": 0, "refused": 0}
    first, in_flight, *rest = _message_ids(ids)
    assert _delivered(mailbox) == Counter([first, in_flight, in_flight, *rest])
    assert _rows("acme", ids) == [
        ("sent", 1, ""),
        ("sent", 2, sending.INTERRUPTED),
        ("sent", 1, ""),
        ("sent", 1, ""),
    ]


def test_a_batch_taken_over_by_its_rerun_sends_each_message_once(smtp_settings, mailbox, acme):
    """The stalled-job check ran the job again while its first worker, taken for dead, was
    still sending: each message goes out from one of them only."""
    ids = _queued("acme", 3)
    with schema_context("acme"):
        slow, slow_records = sending._claim(ids)
        assert sending._attempt(slow_records[0], slow) == "sent"
        rerun, rerun_records = sending._claim(ids)  # the message sent is not claimed again
        assert [str(r.pk) for r in rerun_records] == ids[1:]
        assert [sending._attempt(r, slow) for r in slow_records[1:]] == ["taken over"] * 2
        assert [sending._attempt(r, rerun) for r in rerun_records] == ["sent"] * 2
    assert _delivered(mailbox) == Counter(_message_ids(ids))
    # The rerun cannot tell a slow worker from a dead one: the first message it took over
    # is noted as possibly sent before.
    assert _rows("acme", ids) == [
        ("sent", 1, ""),
        ("sent", 2, sending.INTERRUPTED),
        ("sent", 1, ""),
    ]


def test_a_claim_waits_for_a_message_being_sent_and_leaves_it_to_its_sender(
    committed_org, smtp_settings, mailbox, django_db_blocker
):
    """Two workers race for a batch: the second's claim meets the row the first is sending
    (locked until the server's answer and the commit), waits, and does not take it."""
    slug = committed_org.slug
    mailbox.silent_next, mailbox.silent_seconds = 1, 1.5  # the 250 comes 1.5 s late
    results: list[str] = []

    def first_worker(record: OutgoingEmail, claim: uuid.UUID) -> None:
        try:
            with schema_context(slug):
                results.append(sending._attempt(record, claim))
        finally:
            sending._drop_backend()
            connection.close()

    with django_db_blocker.unblock():
        ids = _queued(slug, 3)
        with schema_context(slug):
            first, records = sending._claim(ids)
        sender = threading.Thread(target=first_worker, args=(records[0], first))
        sender.start()
        mailbox.wait_for(lambda: len(mailbox.received), 1, timeout=10)  # the server has it
        started = time.monotonic()
        with schema_context(slug):
            second, taken = sending._claim(ids)
        waited = time.monotonic() - started
        sender.join(10)
        with schema_context(slug):
            sent = [sending._attempt(r, second) for r in taken]
        rows = _rows(slug, ids)
        connection.close()
    assert results == ["sent"]
    assert waited > 0.5  # it waited for the first worker's commit
    assert [str(r.pk) for r in taken] == ids[1:] and sent == ["sent", "sent"]
    assert _delivered(mailbox) == Counter(_message_ids(ids))
    assert rows == [("sent", 1, ""), ("sent", 2, sending.INTERRUPTED), ("sent", 1, "")]
