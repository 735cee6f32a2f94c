"""Queue an email: its record and its job, in the caller's transaction."""

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
