"""Actions on organisations: creation, the Microsoft sign-in settings, the Entra tenant binding."""

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM, Actor
from accounts.models import Domain, Organisation, User
from accounts.org_names import organisation_name_validate
from accounts.services.audit import audit_record
from accounts.services.errors import OrganisationExists, Refused
from accounts.services.identity import identities_unlink_all
from accounts.services.users import user_create
from accounts.slugs import slug_validate
from accounts.tenancy import schema_clone_from_template
from sso.config import microsoft_missing_settings

MICROSOFT_NOT_SET_UP = (
    "Microsoft Azure can't be turned on yet: Sign in with Microsoft isn't set up on this "
    "Looop server. Whoever runs your Looop server has to register Looop with Microsoft first."
)
CONNECT_ACTION = "organisation.microsoft_connect"
DISCONNECT_ACTION = "organisation.microsoft_disconnect"
CREATION_ACTION = "organisation.microsoft_create_users"
LINKED_PASSWORDS_ACTION = "organisation.microsoft_linked_passwords"


def organisation_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


@transaction.atomic
def organisation_create(
    *, slug: str, name: str, admin_email: str, admin_password: str | None
) -> tuple[Organisation, User]:
    """Create the tenant, its schema (cloned from the template), its domain and first admin.

    One transaction: PostgreSQL DDL is transactional, so a failure leaves nothing behind.
    """
    slug_validate(slug)
    name = organisation_name_validate(name)
    if Organisation.objects.filter(schema_name=slug).exists():
        raise OrganisationExists(f"An organisation with the slug '{slug}' already exists.")
    if admin_password is not None:
        validate_password(admin_password)

    organisation = Organisation.objects.create(schema_name=slug, name=name)
    Domain.objects.create(domain=organisation_host(slug), tenant=organisation, is_primary=True)
    schema_clone_from_template(slug)
    with schema_context(slug):
        admin = user_create(
            actor=SYSTEM,
            user_name=admin_email,
            email=admin_email,
            password=admin_password,
            role=User.Role.ADMIN,
            source=User.Source.CONSOLE,
        )
    connection.set_schema_to_public()
    return organisation, admin


@transaction.atomic
def organisation_microsoft_set(*, organisation: Organisation, enabled: bool, actor: Actor) -> None:
    """The "Microsoft Azure" switch on Account > Authentication: allow Sign in with Microsoft.

    It can't be turned on while this server has no Microsoft app registration: it would say
    "on" while every Microsoft sign-in is refused.
    """
    if enabled and microsoft_missing_settings():
        raise Refused(MICROSOFT_NOT_SET_UP)
    Organisation.objects.filter(pk=organisation.pk).update(microsoft_enabled=enabled)
    organisation.microsoft_enabled = enabled
    audit_record(
        actor=actor,
        action="organisation.microsoft_enable" if enabled else "organisation.microsoft_disable",
        target=organisation.name,
    )


@transaction.atomic
def organisation_entra_bind(*, organisation: Organisation, tid: str, actor: Actor, via: str) -> str:
    """Bind an unbound organisation to the Entra tenant `tid`; returns the tenant it is bound
    to afterwards (another one if a racing bind won: of two, only the first one wins)."""
    now = timezone.now()
    label = actor.user.user_name if actor.user is not None else actor.label
    won = Organisation.objects.filter(pk=organisation.pk, entra_tenant_id="").update(
        entra_tenant_id=tid, entra_connected_by=label, entra_connected_at=now
    )
    if not won:
        return Organisation.objects.values_list("entra_tenant_id", flat=True).get(
            pk=organisation.pk
        )
    organisation.entra_tenant_id = tid
    organisation.entra_connected_by = label
    organisation.entra_connected_at = now
    audit_record(actor=actor, action=CONNECT_ACTION, target=tid, detail={"tenant": tid, "via": via})
    return tid


@transaction.atomic
def organisation_entra_unbind(*, organisation: Organisation, actor: Actor) -> int:
    """Unbind the tenant and drop every link to it; returns how many people were unlinked.

    Links only mean something inside the bound tenant, so they go with it. After a new
    Connect, members are matched again by the first-sign-in rules; admins link themselves.
    """
    tid = organisation.entra_tenant_id
    if not tid:
        return 0
    Organisation.objects.filter(pk=organisation.pk).update(
        entra_tenant_id="", entra_connected_by="", entra_connected_at=None
    )
    unlinked = identities_unlink_all(actor=actor)
    organisation.entra_tenant_id = organisation.entra_connected_by = ""
    organisation.entra_connected_at = None
    audit_record(
        actor=actor,
        action=DISCONNECT_ACTION,
        target=tid,
        detail={"tenant": tid, "unlinked": unlinked},
    )
    return unlinked


@transaction.atomic
def organisation_sign_in_creation_set(
    *, organisation: Organisation, enabled: bool, actor: Actor
) -> None:
    """Whether unknown people of the connected tenant are created at their first sign-in."""
    if organisation.create_users_at_first_sign_in == enabled:
        return
    Organisation.objects.filter(pk=organisation.pk).update(create_users_at_first_sign_in=enabled)
    organisation.create_users_at_first_sign_in = enabled
    audit_record(actor=actor, action=CREATION_ACTION, detail={"enabled": enabled})


@transaction.atomic
def organisation_password_sign_in_set(
    *, organisation: Organisation, linked_people_may_use_passwords: bool, actor: Actor
) -> None:
    """The "Passwords for people linked to Microsoft" switch on Account > Authentication.

    Off, while Microsoft sign-in is on: people linked to Microsoft sign in with Microsoft only
    (no password sign-in, no reset links; accounts/passwords.py). It has no effect while
    Microsoft sign-in is off, so that nobody is left without a way in.
    """
    allowed = linked_people_may_use_passwords
    if organisation.linked_people_may_use_passwords == allowed:
        return
    Organisation.objects.filter(pk=organisation.pk).update(linked_people_may_use_passwords=allowed)
    organisation.linked_people_may_use_passwords = allowed
    audit_record(
        actor=actor,
        action=LINKED_PASSWORDS_ACTION,
        target="passwords on" if allowed else "passwords off",
        detail={"allowed": allowed},
    )


def time_zone_validate(name: str) -> str:
    """An IANA time zone name as Python knows it, e.g. "Europe/London"."""
    name = (name or "").strip()
    if len(name) > 64 or name not in available_timezones():
        raise Refused("Choose a time zone from the list, such as Europe/London or UTC.")
    return name


@transaction.atomic
def organisation_time_zone_set(*, organisation: Organisation, time_zone: str, actor: Actor) -> None:
    """Account > Organisation: the time zone whose days and hours campaign steps and due
    dates fall on."""
    time_zone = time_zone_validate(time_zone)
    Organisation.objects.filter(pk=organisation.pk).update(time_zone=time_zone)
    organisation.time_zone = time_zone
    audit_record(actor=actor, action="organisation.time_zone", target=time_zone)
