"""Writes for organisations and their people. Console, SCIM and sign-in all call these."""

import secrets
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, Domain, Group, Organisation, User
from accounts.org_names import organisation_name_validate
from accounts.slugs import slug_validate
from accounts.tenancy import schema_clone_from_template
from looop.db.rows import row_insert, set_clause
from sso.config import microsoft_missing_settings


class OrganisationExists(ValueError):
    pass


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
            user_name=admin_email,
            email=admin_email,
            password=admin_password,
            role=User.Role.ADMIN,
            source=User.Source.CONSOLE,
        )
    connection.set_schema_to_public()
    return organisation, admin


def user_create(
    *,
    user_name: str,
    email: str | None = None,
    password: str | None = None,
    role: str = User.Role.MEMBER,
    source: str = User.Source.CONSOLE,
    **fields: Any,
) -> User:
    """Create a person in the current organisation's schema."""
    user = User(user_name=user_name.strip(), role=role, source=source, **fields)
    if email:
        user.email = email.strip()
        if "emails" not in fields:  # SCIM sends the full list; keep it as sent
            user.emails = [{"value": user.email, "type": "work", "primary": True}]
    if password:
        user.set_password(password)
        user.save(force_insert=True)  # also tells the password validators
    else:
        # SCIM creates users at hundreds per second: as set_unusable_password(), but from
        # one urandom read instead of 40 random choices, and one precompiled INSERT.
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        row_insert(user)
    return user


def _sessions_ended(active: bool | None) -> int:
    """How far a write of `active` moves `session_epoch`: anything but active ends every
    session (a session's hash includes the epoch), so a deactivated user is signed out."""
    return 0 if active is True else 1


@lru_cache(maxsize=64)
def _versioned_update_sql(names: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    sets, fields = set_clause(User, names)
    sql = (
        f"UPDATE {connection.ops.quote_name(User._meta.db_table)} SET {sets},"
        " version = version + 1,"
        " last_modified = %s, session_epoch = session_epoch + %s"
        " WHERE id = %s AND version = %s AND deleted_at IS NULL"
        " RETURNING version, session_epoch"
    )
    return sql, fields


def user_update_if_unchanged(*, user: User, names: Sequence[str], version: int) -> bool:
    """Write `names` from `user` if its live row is still at `version`, in one UPDATE that
    moves the version on and, when `active` changes, applies `_sessions_ended` as
    `user_set_active` does. False, and nothing written, if the row changed or
    was deleted since it was read at that version."""
    sql, fields = _versioned_update_sql(tuple(names))
    now = timezone.now()
    epoch_step = _sessions_ended(user.active) if "active" in names else 0
    values = [f.get_db_prep_save(getattr(user, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, now, epoch_step, user.pk, version])
        row = cursor.fetchone()
    if row is None:
        return False
    user.version, user.session_epoch = row
    user.last_modified = now
    return True


_SET_ACTIVE = (
    "UPDATE {} SET active = %s, session_epoch = session_epoch + %s, version = version + 1,"
    " last_modified = %s WHERE id = %s RETURNING session_epoch, version"
)


def user_set_active(*, user: User, active: bool) -> User:
    """Activate or deactivate. Deactivation ends every session of the user at once.

    The counters are incremented in SQL (a concurrent write is not lost) and read back
    with RETURNING, in the same round trip."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _SET_ACTIVE.format(connection.ops.quote_name(User._meta.db_table)),
            [active, _sessions_ended(active), now, user.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise User.DoesNotExist(f"User {user.pk} does not exist.")
    user.session_epoch, user.version = row
    user.active, user.last_modified = active, now
    return user


@transaction.atomic
def user_soft_delete(*, user: User) -> None:
    """Mark deleted (frees the userName), end sessions, and drop group memberships."""
    # The groups and the reports change too, so their versions (SCIM ETags) move on.
    now = timezone.now()
    Group.objects.filter(memberships__user=user).update(version=F("version") + 1, last_modified=now)
    user.memberships.all().delete()
    User.objects.filter(manager_id=user.pk).update(
        manager=None, version=F("version") + 1, last_modified=now
    )
    # Last: this write changes the live-user tally (accounts.LiveUserShard), whose row stays
    # locked until commit, so the transaction takes no other lock while it holds that one.
    User.objects.filter(pk=user.pk).update(
        deleted_at=now,
        active=False,
        session_epoch=F("session_epoch") + 1,
        version=F("version") + 1,
    )


def audit_record(
    *, actor: User | None, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.user_name if actor else "system",
        action=action,
        target=target,
        detail=detail or {},
    )


# --- console actions: each writes its audit entry, so every caller leaves the same trail ---


class ConsoleRefused(ValueError):
    """A console action that the rules forbid; the message is fit to show an admin."""


MICROSOFT_NOT_SET_UP = (
    "Microsoft Azure can't be turned on yet: Sign in with Microsoft isn't set up on this "
    "Looop server. Whoever runs your Looop server has to register Looop with Microsoft first."
)


# Attributes an admin may edit for people that SCIM does not manage.
CONSOLE_EDITABLE_FIELDS = ("name_given", "name_family", "display_name", "title", "department")


def _active_admin_count() -> int:
    return User.objects.filter(role=User.Role.ADMIN, active=True, deleted_at__isnull=True).count()


def _lock_admins() -> None:
    """Lock every admin row, so two admins demoting each other can't both succeed."""
    list(User.objects.select_for_update().filter(role=User.Role.ADMIN).values_list("pk"))


def _is_last_active_admin(user: User) -> bool:
    return user.is_admin and user.is_active and _active_admin_count() <= 1


@transaction.atomic
def organisation_microsoft_set(*, organisation: Organisation, enabled: bool, actor: User) -> None:
    """The "Microsoft Azure" switch on Account > Authentication: allow Sign in with Microsoft.

    It can't be turned on while this server has no Microsoft app registration: it would say
    "on" while every Microsoft sign-in is refused.
    """
    if enabled and microsoft_missing_settings():
        raise ConsoleRefused(MICROSOFT_NOT_SET_UP)
    Organisation.objects.filter(pk=organisation.pk).update(microsoft_enabled=enabled)
    organisation.microsoft_enabled = enabled
    audit_record(
        actor=actor,
        action="organisation.microsoft_enable" if enabled else "organisation.microsoft_disable",
        target=organisation.name,
    )


@transaction.atomic
def user_role_set(*, user: User, role: str, actor: User) -> User:
    """Make a person an admin or a member. An organisation always keeps an active admin."""
    if role not in User.Role.values:
        raise ConsoleRefused("Choose a role: admin or member.")
    _lock_admins()
    user.refresh_from_db()
    if user.role == role:
        return user
    if role == User.Role.MEMBER and _is_last_active_admin(user):
        raise ConsoleRefused(
            f"{user.user_name} is the only active admin; make someone else an admin first."
        )
    previous = user.role
    User.objects.filter(pk=user.pk).update(role=role, last_modified=timezone.now())
    user.refresh_from_db()
    audit_record(
        actor=actor,
        action="user.role_set",
        target=str(user.pk),
        detail={"user_name": user.user_name, "from": previous, "to": role},
    )
    return user


@transaction.atomic
def user_console_create(
    *,
    email: str,
    password: str,
    actor: User,
    role: str = User.Role.MEMBER,
    name_given: str = "",
    name_family: str = "",
) -> User:
    """An admin creates a person who signs in with a password (source: console)."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ConsoleRefused(f"'{email}' is not a valid email address.") from None
    if role not in User.Role.values:
        raise ConsoleRefused("Choose a role: admin or member.")
    if User.objects.filter(user_name__iexact=email, deleted_at__isnull=True).exists():
        raise ConsoleRefused(f"Someone with the user name {email} already exists.")
    candidate = User(user_name=email, email=email, name_given=name_given, name_family=name_family)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ConsoleRefused(" ".join(exc.messages)) from None
    try:
        with transaction.atomic():
            user = user_create(
                user_name=email,
                email=email,
                password=password,
                role=role,
                source=User.Source.CONSOLE,
                name_given=name_given.strip() or None,
                name_family=name_family.strip() or None,
            )
    except IntegrityError:  # created at the same moment by SCIM or another admin
        raise ConsoleRefused(f"Someone with the user name {email} already exists.") from None
    audit_record(
        actor=actor,
        action="user.create",
        target=str(user.pk),
        detail={"user_name": user.user_name, "role": role},
    )
    return user


@transaction.atomic
def user_activation_set(*, user: User, active: bool, actor: User) -> User:
    """Deactivate (ending sessions) or reactivate someone the console manages, not SCIM."""
    if user.source == User.Source.SCIM:
        raise ConsoleRefused(
            "This person is provisioned by SCIM: deactivate them in Microsoft Entra ID."
        )
    if not active and user.pk == actor.pk:
        raise ConsoleRefused("You can't deactivate yourself.")
    _lock_admins()
    user.refresh_from_db()
    if not active and _is_last_active_admin(user):
        raise ConsoleRefused(f"{user.user_name} is the only active admin.")
    user = user_set_active(user=user, active=active)
    audit_record(
        actor=actor,
        action="user.reactivate" if active else "user.deactivate",
        target=str(user.pk),
        detail={"user_name": user.user_name},
    )
    return user


@transaction.atomic
def user_console_update(*, user: User, actor: User, **fields: str) -> User:
    """Edit the console-managed attributes of someone SCIM does not manage."""
    if user.source == User.Source.SCIM:
        raise ConsoleRefused(
            "This person is provisioned by SCIM: change their attributes in Microsoft Entra ID."
        )
    unknown = set(fields) - set(CONSOLE_EDITABLE_FIELDS)
    if unknown:
        raise ConsoleRefused(
            f"These attributes can't be edited here: {', '.join(sorted(unknown))}."
        )
    changes = {
        name: (value.strip() or None)
        for name, value in fields.items()
        if (value.strip() or None) != getattr(user, name)
    }
    if not changes:
        return user
    User.objects.filter(pk=user.pk).update(
        **changes, version=F("version") + 1, last_modified=timezone.now()
    )
    user.refresh_from_db()
    audit_record(
        actor=actor,
        action="user.update",
        target=str(user.pk),
        detail={"user_name": user.user_name, "changed": sorted(changes)},
    )
    return user
