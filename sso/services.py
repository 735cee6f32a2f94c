"""Writes for Microsoft sign-in: who an identity is, linking accounts, binding the Entra tenant.

Runs in the organisation's schema (the organisation host's request). Every refusal raises
`SignInRefused` before anything is written, so a refused sign-in creates and binds nothing.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.services import audit_record, user_create
from sso.oidc import MicrosoftIdentity
from sso.refusals import Refusal, SignInRefused
from sso.selectors import user_by_entra_identity, user_deleted_matches, users_linkable

logger = logging.getLogger("looop.sso")

CONNECT_ACTION = "organisation.microsoft_connect"
DISCONNECT_ACTION = "organisation.microsoft_disconnect"
CREATION_ACTION = "organisation.microsoft_create_users"


def _user_for_identity(*, identity: MicrosoftIdentity) -> User | None:
    """The linked user, else the one the first-sign-in rules pick, else None (unknown)."""
    linked = user_by_entra_identity(tid=identity.tid, oid=identity.oid)
    if linked is not None and linked.deleted_at is None:
        if not linked.is_active:
            raise SignInRefused(Refusal.DEACTIVATED, user=linked.pk)
        return linked
    rule, users = users_linkable(identity=identity)
    if len(users) > 1:
        raise SignInRefused(Refusal.AMBIGUOUS, rule=rule)
    if users:
        if not users[0].is_active:
            raise SignInRefused(Refusal.DEACTIVATED, user=users[0].pk, rule=rule)
        return users[0]
    if linked is not None or user_deleted_matches(identity=identity):
        raise SignInRefused(Refusal.DELETED)
    return None


def _user_link(*, user: User, identity: MicrosoftIdentity) -> User:
    """Link `user` to `(tid, oid)`. From now on only that pair identifies them."""
    if (user.entra_tid, user.entra_oid) == (identity.tid, identity.oid):
        return user
    # A removed account may still hold the pair; the live account takes it over.
    User.objects.filter(
        entra_tid=identity.tid, entra_oid=identity.oid, deleted_at__isnull=False
    ).update(entra_tid=None, entra_oid=None)
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(entra_tid=identity.tid, entra_oid=identity.oid)
    except IntegrityError:
        # A parallel first sign-in linked the pair: fine only if it chose the same account.
        holder = user_by_entra_identity(tid=identity.tid, oid=identity.oid)
        if holder is None or holder.pk != user.pk:
            raise SignInRefused(Refusal.IDENTITY_TAKEN, user=user.pk) from None
    user.entra_tid, user.entra_oid = identity.tid, identity.oid
    logger.info("Microsoft identity linked: user=%s tid=%s oid=%s", user.pk, *_pair(identity))
    return user


def _pair(identity: MicrosoftIdentity) -> tuple[str, str]:
    return identity.tid, identity.oid


def _user_create_from_identity(*, identity: MicrosoftIdentity) -> User:
    """Just-in-time creation (an organisation setting, off by default): a member, linked."""
    user_name = identity.preferred_username or identity.email
    if not user_name:
        raise SignInRefused(Refusal.UNKNOWN_USER, error="no preferred_username or email")
    if User.objects.filter(user_name__iexact=user_name, deleted_at__isnull=True).exists():
        raise SignInRefused(Refusal.USER_NAME_TAKEN)
    try:
        with transaction.atomic():
            user = user_create(
                user_name=user_name,
                email=identity.email or None,
                role=User.Role.MEMBER,
                source=User.Source.SSO,
                entra_tid=identity.tid,
                entra_oid=identity.oid,
                display_name=identity.name or None,
                name_given=identity.given_name or None,
                name_family=identity.family_name or None,
            )
    except IntegrityError:
        user = user_by_entra_identity(tid=identity.tid, oid=identity.oid)  # a parallel sign-in
        if user is None:
            raise SignInRefused(Refusal.USER_NAME_TAKEN) from None
        return user
    audit_record(
        actor=None,
        action="user.create",
        target=user.user_name,
        detail={"user_name": user.user_name, "role": user.role, "via": "Microsoft sign-in"},
    )
    return user


def _organisation_bind(
    *, organisation: Organisation, tid: str, actor: User, via: str, refusal: Refusal
) -> None:
    """Bind an unbound organisation to `tid`. Of two racing binds, only the first one wins."""
    now = timezone.now()
    won = Organisation.objects.filter(pk=organisation.pk, entra_tenant_id="").update(
        entra_tenant_id=tid, entra_connected_by=actor.user_name, entra_connected_at=now
    )
    if not won:
        current = Organisation.objects.values_list("entra_tenant_id", flat=True).get(
            pk=organisation.pk
        )
        if current.lower() != tid:
            raise SignInRefused(refusal, tid=tid, bound=current)
        return
    organisation.entra_tenant_id = tid
    organisation.entra_connected_by = actor.user_name
    organisation.entra_connected_at = now
    audit_record(actor=actor, action=CONNECT_ACTION, target=tid, detail={"tenant": tid, "via": via})


@transaction.atomic
def microsoft_sign_in(*, organisation: Organisation, identity: MicrosoftIdentity) -> User:
    """The user this Microsoft identity signs in as, or `SignInRefused`.

    Bound organisation: the token's tenant must be the bound one. Unbound organisation (the
    seed flow): only an existing admin, found by the linking rules, may sign in, and that
    sign-in binds the tenant. Nobody is created for an unbound organisation.
    """
    if not organisation.microsoft_enabled:
        raise SignInRefused(Refusal.MICROSOFT_OFF)
    bound = organisation.entra_tenant_id.lower()
    if bound and identity.tid != bound:
        raise SignInRefused(Refusal.OTHER_TENANT, tid=identity.tid, oid=identity.oid)
    user = _user_for_identity(identity=identity)
    if not bound:
        if user is None or not user.is_admin:
            raise SignInRefused(Refusal.NOT_CONNECTED, tid=identity.tid, oid=identity.oid)
        _organisation_bind(
            organisation=organisation,
            tid=identity.tid,
            actor=user,
            via="admin sign-in",
            refusal=Refusal.OTHER_TENANT,
        )
    if user is None:
        if not organisation.create_users_at_first_sign_in:
            raise SignInRefused(Refusal.UNKNOWN_USER, tid=identity.tid, oid=identity.oid)
        return _user_create_from_identity(identity=identity)
    return _user_link(user=user, identity=identity)


@transaction.atomic
def organisation_entra_connect(
    *, organisation: Organisation, admin: User, identity: MicrosoftIdentity
) -> None:
    """Connect: bind the organisation to the token's tenant and link the admin who pressed it."""
    if not admin.is_active or not admin.is_admin:
        raise SignInRefused(Refusal.NOT_ADMIN, user=admin.pk)
    if not organisation.microsoft_enabled:
        raise SignInRefused(Refusal.MICROSOFT_OFF)
    bound = organisation.entra_tenant_id.lower()
    if bound and bound != identity.tid:
        raise SignInRefused(Refusal.ALREADY_CONNECTED, tid=identity.tid, bound=bound)
    holder = user_by_entra_identity(tid=identity.tid, oid=identity.oid)
    if holder is not None and holder.pk != admin.pk and holder.deleted_at is None:
        raise SignInRefused(Refusal.IDENTITY_TAKEN, tid=identity.tid, oid=identity.oid)
    if not bound:
        _organisation_bind(
            organisation=organisation,
            tid=identity.tid,
            actor=admin,
            via="Connect",
            refusal=Refusal.ALREADY_CONNECTED,
        )
    # Connect is explicit: the admin's account takes this Microsoft account, replacing any
    # earlier link of theirs.
    User.objects.filter(pk=admin.pk).update(entra_tid=None, entra_oid=None)
    admin.entra_tid = admin.entra_oid = None
    _user_link(user=admin, identity=identity)


@transaction.atomic
def organisation_entra_disconnect(*, organisation: Organisation, actor: User) -> int:
    """Unbind the tenant and drop every link to it; returns how many people were unlinked.

    Links only mean something inside the bound tenant, so they go with it. After a new
    Connect, people are matched again by the first-sign-in rules.
    """
    tid = organisation.entra_tenant_id
    if not tid:
        return 0
    Organisation.objects.filter(pk=organisation.pk).update(
        entra_tenant_id="", entra_connected_by="", entra_connected_at=None
    )
    unlinked = User.objects.filter(entra_oid__isnull=False).update(entra_tid=None, entra_oid=None)
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
    *, organisation: Organisation, enabled: bool, actor: User
) -> None:
    """Whether unknown people of the connected tenant are created at their first sign-in."""
    if organisation.create_users_at_first_sign_in == enabled:
        return
    Organisation.objects.filter(pk=organisation.pk).update(create_users_at_first_sign_in=enabled)
    organisation.create_users_at_first_sign_in = enabled
    audit_record(actor=actor, action=CREATION_ACTION, detail={"enabled": enabled})
