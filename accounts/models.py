"""Organisations (public schema) and their people and groups (each organisation's schema)."""

import uuid
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Lower, Upper
from django.utils.crypto import salted_hmac
from django_tenants.models import DomainMixin, TenantMixin


class Organisation(TenantMixin):
    """A customer organisation; `schema_name` is its slug and subdomain."""

    name = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    microsoft_enabled = models.BooleanField(default=False)
    entra_tenant_id = models.CharField(max_length=36, blank=True, default="")
    entra_connected_by = models.CharField(max_length=254, blank=True, default="")
    entra_connected_at = models.DateTimeField(null=True, blank=True)
    create_users_at_first_sign_in = models.BooleanField(default=False)
    # While Microsoft sign-in is on: may people linked to Microsoft also use a password?
    linked_people_may_use_passwords = models.BooleanField(default=True)
    # An IANA name; campaign steps and due dates fall on this time zone's days and hours.
    time_zone = models.CharField(max_length=64, default="UTC")

    auto_create_schema = False  # accounts.services.organisation_create clones the template

    class Meta:
        ordering = ["schema_name"]

    @property
    def slug(self) -> str:
        return self.schema_name

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    pass


class SchemaTemplate(models.Model):
    """The template schema as SQL, replayed to create an organisation's schema.

    Replaying a dump is fast at any number of organisations, unlike cloning through the
    catalog, whose cost grows with every schema in the database (see accounts.tenancy).
    """

    migrations_key = models.CharField(max_length=64, unique=True)
    sql = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"schema template {self.migrations_key[:12]}"


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(user_name__iexact=username, deleted_at__isnull=True)


class User(AbstractBaseUser):
    """A person in one organisation. The UUID primary key is the SCIM `id`."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    class Source(models.TextChoices):
        SCIM = "scim", "SCIM"
        CONSOLE = "console", "Console"
        SSO = "sso", "Microsoft sign-in"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    # Null when a SCIM client removed the attribute (unassigned); only True allows sign-in.
    active = models.BooleanField(null=True, default=True)

    name_formatted = models.CharField(max_length=255, null=True, blank=True)
    name_family = models.CharField(max_length=255, null=True, blank=True)
    name_given = models.CharField(max_length=255, null=True, blank=True)
    name_middle = models.CharField(max_length=255, null=True, blank=True)
    name_honorific_prefix = models.CharField(max_length=64, null=True, blank=True)
    name_honorific_suffix = models.CharField(max_length=64, null=True, blank=True)
    display_name = models.CharField(max_length=255, null=True, blank=True)
    nick_name = models.CharField(max_length=255, null=True, blank=True)
    profile_url = models.CharField(max_length=1024, null=True, blank=True)
    title = models.CharField(max_length=255, null=True, blank=True)
    user_type = models.CharField(max_length=255, null=True, blank=True)
    preferred_language = models.CharField(max_length=64, null=True, blank=True)
    locale = models.CharField(max_length=64, null=True, blank=True)
    timezone = models.CharField(max_length=64, null=True, blank=True)

    # Multi-valued attributes are kept as sent; the primary email is also a column for lookups.
    emails = models.JSONField(default=list, blank=True)
    email = models.CharField(max_length=254, null=True, blank=True)
    phone_numbers = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)

    # urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
    employee_number = models.CharField(max_length=255, null=True, blank=True)
    cost_center = models.CharField(max_length=255, null=True, blank=True)
    organization = models.CharField(max_length=255, null=True, blank=True)
    division = models.CharField(max_length=255, null=True, blank=True)
    department = models.CharField(max_length=255, null=True, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # A manager value that named no user here when it was written, kept as sent (SCIM
    # clients such as Entra create users in any order); null when `manager` is set.
    manager_unresolved = models.CharField(max_length=255, null=True, blank=True)

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    entra_tid = models.CharField(max_length=36, null=True, blank=True)
    entra_oid = models.CharField(max_length=36, null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.CONSOLE)

    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Bumped to end every session of this user (see _get_session_auth_hash).
    session_epoch = models.PositiveIntegerField(default=0)
    # Platform staff only (public schema); organisation admins use `role`.
    is_staff = models.BooleanField(default=False)
    is_superuser = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "user_name"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Upper("user_name"),
                condition=Q(deleted_at__isnull=True),
                name="user_user_name_ci_unique_live",
            ),
            models.UniqueConstraint(
                fields=["entra_tid", "entra_oid"],
                condition=Q(entra_oid__isnull=False),
                name="user_entra_identity_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["external_id"], name="user_external_id_idx"),
            models.Index(Upper("email"), name="user_email_ci_idx"),
            models.Index(fields=["created", "id"], name="user_created_idx"),
            # Pages of live users and their total (SCIM lists): index-only scans.
            models.Index(
                fields=["created", "id"],
                condition=Q(deleted_at__isnull=True),
                name="user_live_created_idx",
            ),
            # SCIM filters on emails (`emails[type eq "work"].value eq "…"`) test containment
            # in the lower-cased list; see scim/filters/jsonlists.py. No fastupdate: Entra
            # looks up before each create, and a pending list makes every lookup scan it.
            GinIndex(
                OpClass(
                    Cast(Lower(Cast("emails", models.TextField())), models.JSONField()),
                    name="jsonb_path_ops",
                ),
                name="user_emails_ci_gin",
                fastupdate=False,
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.user_name

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Sign-in is allowed only for active users that are not deleted."""
        return self.active is True and self.deleted_at is None

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def full_name(self) -> str:
        parts = [self.name_given, self.name_family]
        return " ".join(p for p in parts if p) or self.display_name or self.user_name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Sessions carry this hash; bumping session_epoch invalidates all of them at once.
        key_salt = "looop.accounts.User.session"
        return salted_hmac(
            key_salt,
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    # Minimal permission API for Django's admin, used by platform staff only.
    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_active and self.is_superuser

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.is_superuser


class Group(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    members = models.ManyToManyField(User, through="Membership", related_name="member_of")
    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(Upper("display_name"), name="group_display_name_ci_idx"),
            models.Index(fields=["external_id"], name="group_external_id_idx"),
            models.Index(fields=["created", "id"], name="group_created_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name


class Membership(models.Model):
    # No index of their own: membership_unique (group_id, user_id) serves lookups by group,
    # membership_user_idx those by user. Each index is one more write per member added.
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["user"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class LiveUserShard(models.Model):
    """The number of live (not deleted) users, kept by triggers on accounts_user
    (migration 0008) and spread over rows so that parallel creates seldom wait on one
    another: each connection adds to the row of its backend pid modulo 16. The sum over
    the rows is `users_live().count()` without reading every user. A transaction that
    creates, deletes or restores users holds its row until commit, so it should make that
    write last (as accounts.services.user_delete does)."""

    shard = models.PositiveSmallIntegerField(primary_key=True)
    live = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"shard {self.shard}: {self.live}"


# Audit entries that are not about a person or a group (tokens, sign-in settings): the
# Account pages' entries. accounts.selectors.audit_entries repeats this condition so that
# PostgreSQL can use the partial index that holds only these.
SETTINGS_ENTRIES = ~Q(action__startswith="user.") & ~Q(action__startswith="group.")


class AuditEntry(models.Model):
    """Every action on people, groups and settings, by whoever acted, shown where it applies
    (Account pages, a person's History).

    SCIM's routine traffic makes most rows, so a row about a person or a group costs two
    index entries (the primary key and the History index); the Account pages' index holds
    only the other rows, and the actor's only rows with an acting person."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=255, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            # A person's History: this target, newest first, a page (accounts.selectors).
            models.Index(fields=["target", "-at", "-id"], name="audit_entry_target_at_idx"),
            # Account pages: token and settings entries, newest first.
            models.Index(
                fields=["-at", "-id"],
                name="audit_entry_settings_at_idx",
                condition=SETTINGS_ENTRIES,
            ),
            models.Index(
                fields=["actor"], name="audit_entry_actor_idx", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"
