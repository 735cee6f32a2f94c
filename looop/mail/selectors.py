"""Reads about an organisation's email, for the console."""

from django.db.models import Q, QuerySet

from looop.mail.models import OutgoingEmail

UNCERTAIN = "Delivery uncertain"


def emails_in_trouble() -> QuerySet[OutgoingEmail]:
    """Emails that gave up, that failed and wait to try again, or whose delivery is
    uncertain (the server did not answer after the message; looop/mail/sending.py)."""
    return (
        OutgoingEmail.objects.exclude(last_error="")
        .filter(
            Q(status__in=[OutgoingEmail.Status.FAILED, OutgoingEmail.Status.QUEUED])
            | Q(last_error__startswith=UNCERTAIN)
        )
        .select_related("to_user")
        .order_by("-created")
    )


def last_invitation(*, person_id: object) -> OutgoingEmail | None:
    return (
        OutgoingEmail.objects.filter(to_user_id=person_id, kind=OutgoingEmail.Kind.INVITATION)
        .order_by("-created")
        .first()
    )
