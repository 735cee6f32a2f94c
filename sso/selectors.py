"""Reads for Microsoft sign-in, in the current organisation's schema."""

from django.db.models import Q, QuerySet

from accounts.models import User
from sso.oidc import MicrosoftIdentity


def user_by_entra_identity(*, tid: str, oid: str) -> User | None:
    """The user linked to `(tid, oid)`, deleted or not: after the first sign-in, only this counts.

    The pair is unique across all rows (a database constraint), deleted ones included.
    """
    return User.objects.filter(entra_tid=tid, entra_oid=oid).first()


def _linking_rules(identity: MicrosoftIdentity) -> list[tuple[str, Q]]:
    """The first-sign-in rules, in order of trust (DESIGN §6).

    The email rule needs `xms_edov: true`: without it the email is whatever the other
    directory's admin typed, which is the nOAuth attack.
    """
    rules = [("externalId", Q(external_id=identity.oid))]
    if identity.preferred_username:
        rules.append(("userName", Q(user_name__iexact=identity.preferred_username)))
    if identity.email and identity.email_domain_verified:
        rules.append(("email", Q(email__iexact=identity.email)))
    return rules


def users_linkable(*, identity: MicrosoftIdentity) -> tuple[str, list[User]]:
    """The first rule that matches live, not yet linked users, and (at most two of) those users."""
    unlinked: QuerySet[User] = User.objects.filter(entra_oid__isnull=True, deleted_at__isnull=True)
    for rule, condition in _linking_rules(identity):
        users = list(unlinked.filter(condition).order_by("created")[:2])
        if users:
            return rule, users
    return "", []


def user_deleted_matches(*, identity: MicrosoftIdentity) -> bool:
    """Whether a removed account matches: such a person is refused, not re-created."""
    deleted = User.objects.filter(deleted_at__isnull=False)
    return any(deleted.filter(condition).exists() for _, condition in _linking_rules(identity))
