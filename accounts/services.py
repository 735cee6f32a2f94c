"""Writes for organisations and their people. Console, SCIM and sign-in all call these."""

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, Domain, Organisation, User
from accounts.slugs import slug_validate
from accounts.tenancy import schema_clone_from_template


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
    name = name.strip()
    if not name:
        raise ValueError("The organisation needs a name.")
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
    else:
        user.set_unusable_password()
    user.save(force_insert=True)
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool) -> User:
    """Activate or deactivate. Deactivation ends every session of the user at once."""
    updates: dict[str, Any] = {"active": active, "version": F("version") + 1}
    if not active:
        updates["session_epoch"] = F("session_epoch") + 1
    User.objects.filter(pk=user.pk).update(**updates, last_modified=timezone.now())
    user.refresh_from_db()
    return user


@transaction.atomic
def user_soft_delete(*, user: User) -> None:
    """Mark deleted (frees the userName), end sessions, and drop group memberships."""
    User.objects.filter(pk=user.pk).update(
        deleted_at=timezone.now(),
        active=False,
        session_epoch=F("session_epoch") + 1,
        version=F("version") + 1,
    )
    user.memberships.all().delete()
    User.objects.filter(manager_id=user.pk).update(manager=None)


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
