"""How a person signs in, as their page shows it, with the action that fixes a gap."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.passwords import microsoft_only
from looop.mail.selectors import last_invitation
from looop.mail.services import person_address


@dataclass(frozen=True)
class SignInStatus:
    code: str  # deactivated, microsoft, password, invitation_pending, invitation_expired, none
    label: str
    detail: str
    action: str = ""  # invite, reset, or "" for none


def sign_in_status(*, person: User, organisation: Organisation) -> SignInStatus:
    if not person.is_active:
        return SignInStatus(
            "deactivated", "Cannot sign in", "This person is deactivated.", action=""
        )
    reachable = person_address(person) is not None
    if organisation.microsoft_enabled and person.entra_oid:
        if microsoft_only(person, organisation):
            return SignInStatus(
                "microsoft",
                "Microsoft linked",
                "Signs in with Microsoft only: password sign-in and password resets are off "
                "for people linked to Microsoft (Account › Authentication).",
            )
        if person.has_usable_password():
            return SignInStatus(
                "microsoft",
                "Microsoft linked",
                "Signs in with Microsoft, or with their email and password.",
                action="reset" if reachable else "",
            )
        return SignInStatus("microsoft", "Microsoft linked", "Signs in with Microsoft.")
    if person.has_usable_password():
        return SignInStatus(
            "password",
            "Password set",
            "Signs in with their email and password. A reset sends them a link to choose a "
            "new one.",
            action="reset" if reachable else "",
        )
    microsoft_hint = (
        " They can also use Sign in with Microsoft." if organisation.microsoft_enabled else ""
    )
    invitation = last_invitation(person_id=person.pk)
    if invitation is not None:
        expires = invitation.created + timedelta(days=settings.INVITATION_DAYS)
        if expires > timezone.now():
            return SignInStatus(
                "invitation_pending",
                "Invitation pending",
                f"Invited on {invitation.created:%d %b %Y}; the link works until "
                f"{expires:%d %b %Y, %H:%M} UTC.{microsoft_hint}",
                action="invite" if reachable else "",
            )
        return SignInStatus(
            "invitation_expired",
            "Invitation expired",
            f"The invitation of {invitation.created:%d %b %Y} has expired.{microsoft_hint}",
            action="invite" if reachable else "",
        )
    detail = "No password and no invitation yet." + microsoft_hint
    if not reachable:
        detail += " They have no email address, so they can't be invited."
    return SignInStatus("none", "Cannot sign in yet", detail, action="invite" if reachable else "")
