"""Reads about an organisation's email, for the console."""

from django.db.models import Q, QuerySet

from looop.mail.models import OutgoingEmail


def emails_in_trouble() -> QuerySet[OutgoingEmail]:
    """Emails that gave up, or that failed at least once and are waiting to try again."""
    return (
        OutgoingEmail.objects.exclude(last_error="")
        .exclude(status=OutgoingEmail.Status.SENT, last_error__startswith="Delivery uncertain")
        .filter(
            Q(status=OutgoingEmail.Status.FAILED)
            | Q(status=OutgoingEmail.Status.QUEUED)
            | Q(last_error__startswith="Delivery uncertain")
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
