"""Deferring is transactional, and organisation jobs carry their organisation."""

import psycopg
import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from looop.jobs.tenancy import NoOrganisation, organisation_defer
from looop.mail.models import OutgoingEmail
from looop.mail.sending import email_send
from looop.mail.services import email_queue
from tests.conftest import test_database_url as database_url


class Rollback(Exception):
    pass


def _jobs_seen_elsewhere(email_id: str) -> list[tuple]:
    """What another connection sees: only committed jobs."""
    with psycopg.connect(database_url()) as other:
        return other.execute(
            "SELECT task_name, args->>'organisation', status FROM procrastinate_jobs"
            " WHERE args->>'email_id' = %s",
            [email_id],
        ).fetchall()


def _cleanup(email_id: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE args->>'email_id' = %s", [email_id])
    with schema_context("acme"):
        OutgoingEmail.objects.filter(pk=email_id).delete()


def test_a_job_deferred_in_a_rolled_back_transaction_is_gone(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("acme"):
        try:
            with transaction.atomic():
                record = email_queue(kind="notice", person=None, to_address="x@acme.test")
                email_id = str(record.pk)
                assert _jobs_seen_elsewhere(email_id) == []  # not committed yet
                raise Rollback
        except Rollback:
            pass
        assert _jobs_seen_elsewhere(email_id) == []
        assert not OutgoingEmail.objects.filter(pk=email_id).exists()


def test_a_job_deferred_in_a_committed_transaction_carries_its_organisation(
    django_db_setup, django_db_blocker
):
    with django_db_blocker.unblock(), schema_context("acme"):
        with transaction.atomic():
            record = email_queue(kind="notice", person=None, to_address="x@acme.test", text="Hi")
            email_id = str(record.pk)
            assert _jobs_seen_elsewhere(email_id) == []
        try:
            assert _jobs_seen_elsewhere(email_id) == [("mail.send", "acme", "todo")]
            assert OutgoingEmail.objects.get(pk=email_id).context == {"text": "Hi"}
        finally:
            _cleanup(email_id)


@pytest.mark.django_db
def test_an_organisation_job_cannot_be_deferred_from_the_public_schema():
    connection.set_schema_to_public()
    with pytest.raises(NoOrganisation, match="inside an organisation's schema"):
        organisation_defer(email_send, email_id="x")


def test_a_job_for_a_deleted_organisation_does_nothing(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # The wrapper's own function: procrastinate calls it with the job's arguments.
        assert email_send.func(None, organisation="nosuchorg", email_id="x") is None
