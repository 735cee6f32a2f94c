"""Reads for organisations and their people."""

from django.db.models import QuerySet

from accounts.models import Organisation, User


def organisation_get(*, slug: str) -> Organisation | None:
    """A fresh read of the organisation's settings (request.tenant is only a routing snapshot)."""
    return Organisation.objects.filter(schema_name=slug).first()


def organisation_slug_available(*, slug: str) -> bool:
    return not Organisation.objects.filter(schema_name=slug).exists()


def users_live() -> QuerySet[User]:
    """People of the current organisation that are not deleted."""
    return User.objects.filter(deleted_at__isnull=True)
