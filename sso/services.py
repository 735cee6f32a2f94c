"""Microsoft sign-in: who an identity is, and the account actions it leads to.

Runs in the organisation's schema (the organisation host's request). Every refusal raises
`SignInRefused` before anything is written, so a refused sign-in creates and binds nothing.
The writes themselves are the `accounts` actions (linking, creating, binding the tenant).

Policy (docs/scim.md, "Provisioning and admins"): automatic linking at first sign-in
applies to members only. An admin's Microsoft identity is linked by that admin (Connect or
"Link my Microsoft account", signed in), or by the seed flow, which needs the binding intent
set in that admin's browser when they switched Microsoft on (accounts/seed_intent.py).
"""

import logging
import uuid

from django.db import IntegrityError, transaction

from accounts.actors import Actor
from accounts.models import Organisation, User
from accounts.selectors import users_live
from accounts.services import (
    IdentityTaken,
    UserNameTaken,
    organisation_entra_bind,
    organisation_entra_unbind,
    organisation_sign_in_creation_set,
    user_create,
    user_identity_link,
)
from sso.oidc import MicrosoftIdentity
from sso.refusals import Refusal, SignInRefused
from sso.selectors import (
    admin_matches,
    identity_names,
    user_by_entra_identity,
    user_deleted_matches,
    users_linkable,
)

logger = logging.getLogger("looop.sso")

__all__ = [
    "microsoft_sign_in",
    "organisation_entra_connect",
    "organisation_entra_disconnect",
    "organisation_sign_in_creation_set",
]


def _user_for_identity(*, identity: MicrosoftIdentity) -> User | None:
    """The linked user, else the member the first-sign-in rules pick, else None (unknown)."""
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
    if admin_matches(identity=identity):
        raise SignInRefused(Refusal.ADMIN_NOT_LINKED, tid=identity.tid, oid=identity.oid)
    if linked is not None or user_deleted_matches(identity=identity):
        raise SignInRefused(Refusal.DELETED)
    return None


def _link(*, user: User, identity: MicrosoftIdentity, actor: Actor) -> User:
    try:
        user = user_identity_link(user=user, tid=identity.tid, oid=identity.oid, actor=actor)
    except IdentityTaken:
        raise SignInRefused(Refusal.IDENTITY_TAKEN, user=user.pk) from None
    logger.info(
        "Microsoft identity linked: user=%s tid=%s oid=%s", user.pk, identity.tid, identity.oid
    )
    return user


def _user_create_from_identity(*, identity: MicrosoftIdentity) -> User:
    """Just-in-time creation (an organisation setting, off by default): a member, linked."""
    user_name = identity.preferred_username or identity.email
    if not user_name:
        raise SignInRefused(Refusal.UNKNOWN_USER, error="no preferred_username or email")
    try:
        return user_create(
            actor=Actor.microsoft(),
            user_name=user_name,
            email=identity.email or None,
            role=User.Role.MEMBER,
            entra_tid=identity.tid,
            entra_oid=identity.oid,
            display_name=identity.name or None,
            name_given=identity.given_name or None,
            name_family=identity.family_name or None,
        )
    except UserNameTaken:
        raise SignInRefused(Refusal.USER_NAME_TAKEN) from None
    except IntegrityError:
        # A parallel first sign-in created them a moment ago (the identity is unique).
        user = user_by_entra_identity(tid=identity.tid, oid=identity.oid)
        if user is None:
            raise
        return user


def _seed_sign_in(
    *, organisation: Organisation, identity: MicrosoftIdentity, seed_admin_id: uuid.UUID | None
) -> User:
    """The seed flow: an unbound organisation binds to the token's tenant only for the
    admin whose binding intent this browser holds, signing in as themselves."""
    admin = users_live().filter(pk=seed_admin_id).first() if seed_admin_id else None
    if admin is None or not admin.is_admin:
        raise SignInRefused(Refusal.NOT_CONNECTED, tid=identity.tid, oid=identity.oid)
    if not admin.is_active:
        raise SignInRefused(Refusal.DEACTIVATED, user=admin.pk)
    if identity_names(identity=identity, user=admin) is None:
        raise SignInRefused(
            Refusal.NOT_CONNECTED, tid=identity.tid, oid=identity.oid, user=admin.pk
        )
    holder = user_by_entra_identity(tid=identity.tid, oid=identity.oid)
    if holder is not None and holder.pk != admin.pk and holder.deleted_at is None:
        raise SignInRefused(Refusal.IDENTITY_TAKEN, tid=identity.tid, oid=identity.oid)
    actor = Actor.microsoft(admin)
    bound = organisation_entra_bind(
        organisation=organisation, tid=identity.tid, actor=actor, via="admin sign-in"
    )
    if bound.lower() != identity.tid:
        raise SignInRefused(Refusal.OTHER_TENANT, tid=identity.tid, bound=bound)
    return _link(user=admin, identity=identity, actor=actor)


@transaction.atomic
def microsoft_sign_in(
    *,
    organisation: Organisation,
    identity: MicrosoftIdentity,
    seed_admin_id: uuid.UUID | None = None,
) -> User:
    """The user this Microsoft identity signs in as, or `SignInRefused`.

    Bound organisation: the token's tenant must be the bound one; a linked person signs in,
    an unlinked member is linked by the first-sign-in rules. Unbound organisation: only the
    seed flow (`seed_admin_id`, from this browser's binding intent) signs in and binds.
    Nobody is created for an unbound organisation.
    """
    if not organisation.microsoft_enabled:
        raise SignInRefused(Refusal.MICROSOFT_OFF)
    bound = organisation.entra_tenant_id.lower()
    if bound and identity.tid != bound:
        raise SignInRefused(Refusal.OTHER_TENANT, tid=identity.tid, oid=identity.oid)
    if not bound:
        return _seed_sign_in(
            organisation=organisation, identity=identity, seed_admin_id=seed_admin_id
        )
    user = _user_for_identity(identity=identity)
    if user is None:
        if not organisation.create_users_at_first_sign_in:
            raise SignInRefused(Refusal.UNKNOWN_USER, tid=identity.tid, oid=identity.oid)
        return _user_create_from_identity(identity=identity)
    if (user.entra_tid, user.entra_oid) == (identity.tid, identity.oid):
        return user
    return _link(user=user, identity=identity, actor=Actor.microsoft())


@transaction.atomic
def organisation_entra_connect(
    *, organisation: Organisation, admin: User, identity: MicrosoftIdentity
) -> None:
    """Connect (unbound) or "Link my Microsoft account" (bound): the signed-in admin who
    pressed it takes this Microsoft account, replacing any earlier link of theirs; an
    unbound organisation is bound to its tenant."""
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
    actor = Actor.console(admin)
    if not bound:
        now_bound = organisation_entra_bind(
            organisation=organisation, tid=identity.tid, actor=actor, via="Connect"
        )
        if now_bound.lower() != identity.tid:
            raise SignInRefused(Refusal.ALREADY_CONNECTED, tid=identity.tid, bound=now_bound)
    _link(user=admin, identity=identity, actor=actor)


def organisation_entra_disconnect(*, organisation: Organisation, actor: User) -> int:
    """Unbind the tenant and drop every link to it; returns how many people were unlinked."""
    return organisation_entra_unbind(organisation=organisation, actor=Actor.console(actor))
