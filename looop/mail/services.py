"""Queue an email: its record and its job, in the caller's transaction."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts.models import User
from looop.jobs.tenancy import organisation_defer
from looop.mail.models import OutgoingEmail


class NoAddress(ValueError):
    """The person has no email address to write to."""


def person_address(person: User) -> str | None:
    """Where to write to a person: their primary email, else a user name that is one."""
    if person.email:
        return person.email
    return person.user_name if "@" in person.user_name else None


@transaction.atomic
def email_queue(
    *, kind: str, person: User | None, to_address: str | None = None, **context: Any
) -> OutgoingEmail:
    """Record one email and defer its job; both commit or roll back with the caller."""
    from looop.mail.sending import email_send

    address = to_address or (person_address(person) if person else None)
    if not address:
        raise NoAddress(f"{person} has no email address.")
    record = OutgoingEmail.objects.create(
        kind=kind, to_user=person, to_address=address, context=context
    )
    organisation_defer(email_send, email_id=str(record.pk))
    return record


@dataclass(frozen=True)
class Outgoing:
    """One email of a bulk queue: to a person (at their address), with its context."""

    person: User
    context: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def emails_queue(*, kind: str, emails: Sequence[Outgoing]) -> list[OutgoingEmail | None]:
    """Record many emails in one INSERT and defer one `mail.send_batch` job per
    sending.BATCH_MAX of them, in the caller's transaction. Returns the records in order;
    None for a person with no address (nothing queued for them). For jobs that write to
    hundreds of people at once (campaign steps, reminders): one job per message would
    cost the queue more than the messages cost to send (docs/performance.md, Campaigns)."""
    from looop.mail.sending import BATCH_MAX, email_send_batch

    records: list[OutgoingEmail | None] = []
    for item in emails:
        address = person_address(item.person)
        records.append(
            OutgoingEmail(kind=kind, to_user=item.person, to_address=address, context=item.context)
            if address
            else None
        )
    queued = [r for r in records if r is not None]
    OutgoingEmail.objects.bulk_create(queued, batch_size=500)
    for start in range(0, len(queued), BATCH_MAX):
        ids = [str(r.pk) for r in queued[start : start + BATCH_MAX]]
        organisation_defer(email_send_batch, email_ids=ids)
    return records
