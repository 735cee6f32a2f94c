"""Sharing a resource or a pathway with a group or a person, with a due date."""

from datetime import date

from django.db import IntegrityError, transaction

from accounts.models import Group, User
from learning import limits
from learning.models import Pathway, Resource, Share
from learning.services.inputs import LearningRefused


def share_checked(
    *, target: Resource | Pathway, due: str, due_date: date | None, due_days: int | None
) -> tuple[date | None, int | None]:
    """The sharing rules, for one share or many: a resource must be published, and the due
    date is none, fixed or N days after receipt. Returns (due_date, due_days) as stored."""
    if isinstance(target, Resource) and not target.is_published:
        raise LearningRefused("Publish the resource before sharing it.")
    if due == Share.Due.FIXED:
        if due_date is None:
            raise LearningRefused("Give the due date.")
        due_days = None
    elif due == Share.Due.AFTER:
        if due_days is None or not 1 <= due_days <= limits.DUE_DAYS_MAX:
            raise LearningRefused(f"Days after receipt is from 1 to {limits.DUE_DAYS_MAX}.")
        due_date = None
    elif due == Share.Due.NONE:
        due_date = due_days = None
    else:
        raise LearningRefused("The due date is none, fixed or days after receipt.")
    return due_date, due_days


def share_create(
    *,
    target: Resource | Pathway,
    group: Group | None = None,
    user: User | None = None,
    due: str = Share.Due.NONE,
    due_date: date | None = None,
    due_days: int | None = None,
) -> Share:
    """Share with one group or one person; sharing again with them replaces the due date.

    One row whatever the group's size: its members receive it through their membership."""
    if (group is None) == (user is None):
        raise LearningRefused("Share with one group or one person.")
    due_date, due_days = share_checked(target=target, due=due, due_date=due_date, due_days=due_days)
    key = {"resource": target} if isinstance(target, Resource) else {"pathway": target}
    key |= {"group": group} if group is not None else {"user": user}
    values = {"due": due, "due_date": due_date, "due_days": due_days}
    try:
        with transaction.atomic():
            share, _ = Share.objects.update_or_create(**key, defaults=values)
    except IntegrityError:  # a concurrent share of the same pair won; apply ours on top
        share = Share.objects.get(**key)
        Share.objects.filter(pk=share.pk).update(**values)
    return share


def share_delete(*, share: Share) -> None:
    """Unshare: recipients lose the item at once; their progress is kept."""
    share.delete()
