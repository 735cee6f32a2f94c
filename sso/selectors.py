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


def _unlinked() -> QuerySet[User]:
    return User.objects.filter(entra_oid__isnull=True, deleted_at__isnull=True)


def users_linkable(*, identity: MicrosoftIdentity) -> tuple[str, list[User]]:
    """The first rule that matches live, not yet linked members, and (at most two of) them.

    Members only: externalId and userName are written by SCIM, so matching an admin by them
    would let a SCIM token hand an admin's console to whoever owns the Microsoft identity.
    """
    members = _unlinked().filter(role=User.Role.MEMBER)
    for rule, condition in _linking_rules(identity):
        users = list(members.filter(condition).order_by("created")[:2])
        if users:
            return rule, users
    return "", []


def admin_matches(*, identity: MicrosoftIdentity) -> bool:
    """Whether an unlinked admin matches the first-sign-in rules (they are told how to link)."""
    admins = _unlinked().filter(role=User.Role.ADMIN)
    return any(admins.filter(condition).exists() for _, condition in _linking_rules(identity))


def identity_names(*, identity: MicrosoftIdentity, user: User) -> str | None:
    """The rule by which `identity` is `user` for the seed flow, or None: their own link,
    their userName, or their verified email. Not externalId, which SCIM writes."""
    if (user.entra_tid, user.entra_oid) == (identity.tid, identity.oid):
        return "linked"
    if (
        identity.preferred_username
        and identity.preferred_username.lower() == user.user_name.lower()
    ):
        return "userName"
    if (
        identity.email
        and identity.email_domain_verified
        and user.email
        and identity.email.lower() == user.email.lower()
    ):
        return "email"
    return None


def user_deleted_matches(*, identity: MicrosoftIdentity) -> bool:
    """Whether a removed account matches: such a person is refused, not re-created."""
    deleted = User.objects.filter(deleted_at__isnull=False)
    return any(deleted.filter(condition).exists() for _, condition in _linking_rules(identity))
