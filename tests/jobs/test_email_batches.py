"""Emails queued in bulk go out in batch jobs over one SMTP connection, each exactly as a
single email job would send it; a message refused in a batch is retried on its own."""

from collections import Counter

from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.services import user_create
from looop.mail.models import OutgoingEmail
from looop.mail.services import Outgoing, emails_queue
from tests.jobs.mail_support import worker_start, worker_stop


def test_a_batch_sends_each_email_once_and_retries_a_refused_one_alone(
    committed_org, smtp_server, mailbox, django_db_blocker
):
    slug = committed_org.slug
    with django_db_blocker.unblock(), schema_context(slug):
        people = [
            user_create(actor=SYSTEM, user_name=f"p{i}@{slug}.test", email=f"p{i}@{slug}.test")
            for i in range(5)
        ]
        nobody = user_create(actor=SYSTEM, user_name="nobody")  # no address: nothing queued
        outgoing = [
            Outgoing(person=p, context={"subject": f"Hello {i}", "text": "Hi"})
            for i, p in enumerate(people)
        ]
        records = emails_queue(kind="notice", emails=[*outgoing, Outgoing(person=nobody)])
    assert records[-1] is None
    expected = {f"<{r.pk}@looop.localhost>" for r in records[:-1]}
    mailbox.refuse_next = 1  # the first message of the batch: 451
    worker = worker_start(smtp_server.port, f"batch-{slug}")
    try:
        mailbox.wait_for(lambda: len(mailbox.received), 5, timeout=60)
    finally:
        worker_stop(worker)
    delivered = Counter(r.message_id for r in mailbox.received)
    assert set(delivered) == expected and set(delivered.values()) == {1}
    assert sorted(r.message["Subject"] for r in mailbox.received) == [
        f"Hello {i}" for i in range(5)
    ]
    with django_db_blocker.unblock(), schema_context(slug):
        rows = {
            str(pk): (status, attempts, error)
            for pk, status, attempts, error in OutgoingEmail.objects.values_list(
                "pk", "status", "attempts", "last_error"
            )
        }
    refused = "The mail server refused end of DATA: 451 4.3.0 Try again later"
    assert set(rows) == {str(r.pk) for r in records[:-1]}
    assert sorted(rows.values()) == [("sent", 1, "")] * 4 + [("sent", 2, refused)]
