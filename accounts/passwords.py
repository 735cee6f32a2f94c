"""The password lifecycle: invitations, resets (asked for, or sent by an admin), changes.

Nobody but the person ever sees or chooses their password: admins send links. Each link is
an email sent by a job (looop/mail), and each admin action leaves an audit entry.
"""

from django.db import transaction
from django.db.models import Q

from accounts.actors import SYSTEM, Actor
from accounts.models import Organisation, User
from accounts.services import Refused, audit_record, user_create
from looop.mail.models import OutgoingEmail
from looop.mail.services import email_queue, person_address


def microsoft_only(person: User, organisation: Organisation) -> bool:
    """People linked to Microsoft in an organisation that has Microsoft sign-in on sign in
    with Microsoft: they get no password links (their password lives with Microsoft)."""
    return bool(organisation.microsoft_enabled and person.entra_oid)


def _check_reachable(person: User) -> str:
    if not person.is_active:
        raise Refused(f"{person.user_name} is deactivated: reactivate them first.")
    address = person_address(person)
    if not address:
        raise Refused(f"{person.user_name} has no email address to write to.")
    return address


@transaction.atomic
def invitation_send(*, person: User, organisation: Organisation, actor: Actor) -> OutgoingEmail:
    """Invite someone without a password to set one (or, with Microsoft on, to use it)."""
    address = _check_reachable(person)
    if person.has_usable_password():
        raise Refused(f"{person.user_name} already has a password: send a password reset instead.")
    record = email_queue(
        kind=OutgoingEmail.Kind.INVITATION,
        person=person,
        microsoft=organisation.microsoft_enabled,
        invited_by=actor.user.full_name if actor.user is not None else actor.label,
    )
    audit_record(
        actor=actor,
        action="user.invitation_send",
        target=str(person.pk),
        detail={"user_name": person.user_name, "to": address},
    )
    return record


@transaction.atomic
def person_create_invited(
    *,
    email: str,
    actor: Actor,
    organisation: Organisation,
    role: str = User.Role.MEMBER,
    name_given: str = "",
    name_family: str = "",
) -> User:
    """Add a person without a password (an unusable one) and invite them to choose one."""
    person = user_create(
        actor=actor,
        user_name=email,
        email=email,
        role=role,
        source=User.Source.CONSOLE,
        name_given=name_given.strip() or None,
        name_family=name_family.strip() or None,
    )
    invitation_send(person=person, organisation=organisation, actor=actor)
    return person


@transaction.atomic
def password_reset_send(*, person: User, organisation: Organisation, actor: Actor) -> OutgoingEmail:
    """An admin sends someone a link to choose a new password; the admin never sees it."""
    address = _check_reachable(person)
    if microsoft_only(person, organisation):
        raise Refused(f"{person.user_name} signs in with Microsoft: their password is reset there.")
    record = email_queue(kind=OutgoingEmail.Kind.PASSWORD_RESET, person=person)
    audit_record(
        actor=actor,
        action="user.password_reset_send",
        target=str(person.pk),
        detail={"user_name": person.user_name, "to": address},
    )
    return record


@transaction.atomic
def password_reset_request(*, address: str, organisation: Organisation) -> int:
    """ "Forgot password?": email a reset link to the active person with this address.

    Returns how many emails were queued, for tests only: the page answers the same whatever
    happens here. Deactivated and deleted people get nothing; Microsoft-only people get an
    email that says to use Microsoft instead of a link.
    """
    address = address.strip()
    if not address:
        return 0
    people = User.objects.filter(
        Q(user_name__iexact=address) | Q(email__iexact=address), deleted_at__isnull=True
    ).order_by("created")[:2]
    queued = 0
    for person in people:
        if not person.is_active or not person_address(person):
            continue
        kind = (
            OutgoingEmail.Kind.PASSWORD_RESET_REFUSED
            if microsoft_only(person, organisation)
            else OutgoingEmail.Kind.PASSWORD_RESET
        )
        email_queue(kind=kind, person=person)
        audit_record(
            actor=SYSTEM,
            action="user.password_reset_request",
            target=str(person.pk),
            detail={"user_name": person.user_name, "refused": kind != "password_reset"},
        )
        queued += 1
    return queued


def password_set_recorded(*, person: User, how: str) -> None:
    """The audit entry for a password the person chose: by link or by change."""
    audit_record(
        actor=Actor.console(person),
        action="user.password_set",
        target=str(person.pk),
        detail={"user_name": person.user_name, "how": how},
    )
