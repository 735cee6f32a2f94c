"""Role changes: admin or member. Only the console changes roles; SCIM has no role attribute."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import User
from accounts.services.admins import admins_lock, last_admin_check
from accounts.services.audit import audit_record
from accounts.services.errors import Refused


@transaction.atomic
def user_role_set(*, user: User, role: str, actor: Actor) -> User:
    """Make a person an admin or a member. An organisation always keeps an active admin."""
    if role not in User.Role.values:
        raise Refused("Choose a role: admin or member.")
    admins_lock()
    user.refresh_from_db()
    if user.role == role:
        return user
    if role == User.Role.MEMBER:
        last_admin_check(user=user, what="make them a member")
    previous = user.role
    User.objects.filter(pk=user.pk).update(
        role=role, version=F("version") + 1, last_modified=timezone.now()
    )
    user.refresh_from_db()
    audit_record(
        actor=actor,
        action="user.role_set",
        target=str(user.pk),
        detail={"user_name": user.user_name, "from": previous, "to": role},
    )
    return user
