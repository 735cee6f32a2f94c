"""The last-active-admin rule: an organisation always keeps an active admin.

Whoever asks (the console, SCIM, a command), a change that would leave no active admin is
refused. Every admin row is locked first, so two changes racing on the last two admins
(two deactivations, a demotion and a deletion…) cannot both pass.
"""

from django.db.models import QuerySet

from accounts.models import User
from accounts.services.errors import LastActiveAdmin


def _active_admins() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.ADMIN, active=True, deleted_at__isnull=True)


def admins_lock() -> None:
    """Lock every admin row until the end of the transaction."""
    list(User.objects.select_for_update().filter(role=User.Role.ADMIN).values_list("pk"))


def last_admin_check(*, user: User, what: str) -> None:
    """Refuse `what` ("deactivate them", "delete them", "make them a member") if `user` is
    the only active admin. Call with the admins locked (`admins_lock`)."""
    if user.is_admin and user.is_active and not _active_admins().exclude(pk=user.pk).exists():
        raise LastActiveAdmin(
            f"{user.user_name} is the only active admin of this organisation, so Looop "
            f"will not {what}: the organisation would have no admin left. Make "
            "someone else an admin in Looop first."
        )
