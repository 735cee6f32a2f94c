"""Microsoft identities of people: the `(tid, oid)` pair that Sign in with Microsoft uses.

Policy (docs/scim.md, "Provisioning and admins"): a SCIM write never gives a Microsoft
identity console access it did not have. So an admin's identity is linked only with that
admin as the actor: signed in, pressing Connect or "Link my Microsoft account", or through
the seed flow, whose binding intent was set in that admin's browser. Automatic linking at
sign-in (`sso.services`) applies to members only.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import User
from accounts.services.audit import audit_record
from accounts.services.errors import Refused


class IdentityTaken(Refused):
    code = "identity_taken"


@transaction.atomic
def user_identity_link(*, user: User, tid: str, oid: str, actor: Actor) -> User:
    """Link `user` to `(tid, oid)`; from then on only that pair identifies them at sign-in.
    Replaces an earlier link of theirs. A removed account that still holds the pair gives
    it up; a live one keeps it (IdentityTaken)."""
    if (user.entra_tid, user.entra_oid) == (tid, oid):
        return user
    if user.is_admin and (actor.user is None or actor.user.pk != user.pk):
        raise Refused(
            "An admin's Microsoft account is linked only by that admin.", code="admin_link"
        )
    User.objects.filter(entra_tid=tid, entra_oid=oid, deleted_at__isnull=False).update(
        entra_tid=None, entra_oid=None
    )
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(
                entra_tid=tid,
                entra_oid=oid,
                version=F("version") + 1,
                last_modified=timezone.now(),
            )
    except IntegrityError:
        # Held by someone else, or linked to this person by a parallel sign-in just now.
        holder = User.objects.filter(entra_tid=tid, entra_oid=oid).values_list("pk", flat=True)
        if list(holder) != [user.pk]:
            raise IdentityTaken("This Microsoft account is linked to someone else.") from None
        user.refresh_from_db()
        return user
    user.refresh_from_db()
    audit_record(
        actor=actor,
        action="user.identity_link",
        target=str(user.pk),
        detail={"user_name": user.user_name, "tenant": tid},
    )
    return user


@transaction.atomic
def identities_unlink_all(*, actor: Actor) -> int:
    """Drop every person's Microsoft link (the tenant was disconnected); how many there were.
    The organisation's own audit entry (`organisation_entra_unbind`) records it, once."""
    return User.objects.filter(entra_oid__isnull=False).update(
        entra_tid=None, entra_oid=None, version=F("version") + 1, last_modified=timezone.now()
    )


@transaction.atomic
def user_identity_unlink(*, user: User, actor: Actor) -> User:
    """Drop `user`'s Microsoft link; their next Microsoft sign-in is matched again (members)
    or needs them to link again (admins)."""
    if user.entra_oid is None:
        return user
    tid = user.entra_tid
    User.objects.filter(pk=user.pk).update(
        entra_tid=None, entra_oid=None, version=F("version") + 1, last_modified=timezone.now()
    )
    user.refresh_from_db()
    audit_record(
        actor=actor,
        action="user.identity_unlink",
        target=str(user.pk),
        detail={"user_name": user.user_name, "tenant": tid},
    )
    return user
