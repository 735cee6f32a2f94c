"""Build an email from its templates: templates/mail/<kind>.subject.txt, .txt and .html."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Organisation, User
from accounts.tokens import invitation_token, password_reset_token
from looop.mail.models import OutgoingEmail
from looop.urls_util import org_url


def _links(record: OutgoingEmail, slug: str, person: User | None) -> dict[str, str]:
    """Links made at send time, so that no token is ever stored."""
    links = {"sign_in_url": org_url(slug, reverse("login"))}
    if person is None:
        return links
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    if record.kind == OutgoingEmail.Kind.INVITATION:
        token = invitation_token.make_invitation_token(person, record.pk)
        links["set_password_url"] = org_url(slug, reverse("invitation_accept", args=[uid, token]))
    elif record.kind == OutgoingEmail.Kind.PASSWORD_RESET:
        token = password_reset_token.make_token(person)
        links["reset_url"] = org_url(slug, reverse("password_reset_confirm", args=[uid, token]))
    return links


def email_build(
    record: OutgoingEmail, *, organisation: str, org: Organisation | None = None
) -> EmailMultiAlternatives:
    """The message of `record`; `org`, if given, is the organisation already read (a batch
    of messages reads it once)."""
    org = org or Organisation.objects.get(schema_name=organisation)
    person = record.to_user if record.to_user_id else None  # select_related by the sender
    context: dict[str, Any] = {
        **record.context,
        **_links(record, organisation, person),
        "organisation": org,
        "person": person,
        "invitation_days": settings.INVITATION_DAYS,
        "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    name = f"mail/{record.kind}"
    subject = " ".join(render_to_string(f"{name}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{name}.txt", context),
        to=[record.to_address],
        headers={"Message-ID": f"<{record.pk}@{settings.BASE_DOMAIN}>"},
    )
    message.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    return message
