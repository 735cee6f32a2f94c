"""Share notices and reminders: learning × email.

- Notice: one email to each person who receives a share, including people who join a shared
  group later. The campaign step queues it with its share; a debounced job after membership
  changes, and the periodic sweep, queue the others (shares made in the console too).
- Reminders: set per share (ShareReminders): N days before the due date, and when overdue,
  skipped for people who have finished the item.

Each (share, person, kind) is sent at most once: its ShareNotice row is inserted with
ON CONFLICT DO NOTHING in the same transaction as the email's record and job.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.urls import reverse

from accounts.models import Membership, Organisation, User
from campaigns import clock
from campaigns.models import ShareNotice, ShareReminders
from learning.models import PathwayStep, Progress, Share
from looop.mail.services import NoAddress, email_queue
from looop.urls_util import org_url

# Receipts older than this get no notice: the sweep must not write about shares made before
# notices existed, nor about a membership restored from long ago.
NOTICE_WINDOW = timedelta(days=3)

_INSERT = f"""
INSERT INTO {ShareNotice._meta.db_table} (share_id, user_id, kind, at)
SELECT %s, person, %s, %s FROM unnest(%s::uuid[]) person
ON CONFLICT (share_id, user_id, kind) DO NOTHING
RETURNING user_id
"""


def shared_item_url(share: Share) -> str:
    if share.resource_id:
        path = reverse("learning_resource", args=[share.resource_id])
    else:
        path = reverse("learning_pathway", args=[share.pathway_id])
    return org_url(connection.schema_name, path)


def _receipt(share: Share, person_id: Any) -> datetime:
    if share.group_id is None:
        return share.created
    joined = Membership.objects.filter(group_id=share.group_id, user_id=person_id).values_list(
        "created", flat=True
    )
    return max([share.created, *joined])


def due_date_of(share: Share, person_id: Any) -> date | None:
    """The person's due date: fixed, or N days after they received it (organisation's days)."""
    if share.due == Share.Due.FIXED:
        return share.due_date
    if share.due == Share.Due.AFTER and share.due_days:
        zone = clock.organisation_zone()
        return _receipt(share, person_id).astimezone(zone).date() + timedelta(days=share.due_days)
    return None


def _queue(
    share: Share, people: Iterable[User], kind: str, *, shared_by: str, now: datetime
) -> int:
    people = list(people)
    if not people:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [share.pk, kind, now, [str(p.pk) for p in people]])
        fresh = {row[0] for row in cursor.fetchall()}
    title = str(share.resource or share.pathway)
    subjects = {
        ShareNotice.Kind.NOTICE: f"{shared_by} shared “{title}” with you",
        ShareNotice.Kind.BEFORE_DUE: f"Reminder: “{title}” is due soon",
        ShareNotice.Kind.OVERDUE: f"Reminder: “{title}” is overdue",
    }
    sent = 0
    for person in people:
        if person.pk not in fresh:
            continue
        due = due_date_of(share, person.pk)
        lines = [
            f"“{title}” was shared with you by {shared_by}.",
            f"Due: {due:%A %d %B %Y}." if due else "No due date.",
            f"Open it: {shared_item_url(share)}",
        ]
        try:
            with transaction.atomic():
                record = email_queue(
                    kind="notice", person=person, subject=subjects[kind], text="\n\n".join(lines)
                )
        except NoAddress:
            continue  # the row stays: someone without an address is not asked again
        ShareNotice.objects.filter(share=share, user=person, kind=kind).update(email_id=record.pk)
        sent += 1
    return sent


@transaction.atomic
def share_notices_queue(*, share: Share, people: Iterable[User], shared_by: str) -> int:
    """The notice of `share` to each of `people` who has not had it; returns how many."""
    return _queue(share, people, ShareNotice.Kind.NOTICE, shared_by=shared_by, now=clock.now())


def _organisation_name() -> str:
    org = Organisation.objects.filter(schema_name=connection.schema_name).first()
    return org.name if org else connection.schema_name


_RECIPIENTS = f"""
SELECT s.id, r.user_id FROM {Share._meta.db_table} s
CROSS JOIN LATERAL (
    SELECT s.user_id, s.created AS received WHERE s.user_id IS NOT NULL
    UNION ALL
    SELECT m.user_id, greatest(m.created, s.created) FROM {Membership._meta.db_table} m
    WHERE m.group_id = s.group_id
) r
JOIN {User._meta.db_table} u ON u.id = r.user_id AND u.active AND u.deleted_at IS NULL
WHERE r.received >= %s AND NOT EXISTS (
    SELECT 1 FROM {ShareNotice._meta.db_table} n
    WHERE n.share_id = s.id AND n.user_id = r.user_id AND n.kind = 'notice'
)
ORDER BY s.id
LIMIT %s
"""


def notices_sweep(*, now: datetime | None = None, limit: int = 5_000) -> int:
    """Notices for every recent receipt that has none yet: group joiners, console shares."""
    now = now or clock.now()
    with connection.cursor() as cursor:
        cursor.execute(_RECIPIENTS, [now - NOTICE_WINDOW, limit])
        pairs = cursor.fetchall()
    by_share: dict[Any, list[Any]] = {}
    for share_id, user_id in pairs:
        by_share.setdefault(share_id, []).append(user_id)
    shares = Share.objects.select_related("resource", "pathway").in_bulk(list(by_share))
    name, sent = _organisation_name(), 0
    for share_id, user_ids in by_share.items():
        with transaction.atomic():
            people = User.objects.filter(pk__in=user_ids)
            sent += _queue(
                shares[share_id], people, ShareNotice.Kind.NOTICE, shared_by=name, now=now
            )
    return sent


# --- reminders -------------------------------------------------------------------------


@transaction.atomic
def share_reminders_set(*, share: Share, days_before: int | None, when_overdue: bool) -> None:
    ShareReminders.objects.update_or_create(
        share=share, defaults={"days_before": days_before, "when_overdue": when_overdue}
    )


def _finished(share: Share, person_id: Any) -> bool:
    done = Progress.objects.filter(user_id=person_id, completed_at__isnull=False)
    if share.resource_id:
        return done.filter(resource_id=share.resource_id).exists()
    needed = PathwayStep.objects.filter(pathway_id=share.pathway_id).values("resource_id")
    return not needed.exclude(resource_id__in=done.values("resource_id")).exists()


def _recipients(share: Share) -> list[User]:
    live = User.objects.filter(active=True, deleted_at__isnull=True)
    if share.user_id:
        return list(live.filter(pk=share.user_id))
    return list(live.filter(memberships__group_id=share.group_id))


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Reminders that fell due today or earlier (organisation's days), once each."""
    now = now or clock.now()
    today = now.astimezone(clock.organisation_zone()).date()
    name, sent = _organisation_name(), 0
    settings_rows = ShareReminders.objects.select_related("share__resource", "share__pathway")
    for reminders in settings_rows.exclude(share__due=Share.Due.NONE):
        share = reminders.share
        for person in _recipients(share):
            due = due_date_of(share, person.pk)
            if due is None:
                continue
            kinds = []
            if reminders.when_overdue and today > due:
                kinds.append(ShareNotice.Kind.OVERDUE)
            elif reminders.days_before and today >= due - timedelta(days=reminders.days_before):
                kinds.append(ShareNotice.Kind.BEFORE_DUE)
            if not kinds or _finished(share, person.pk):
                continue
            with transaction.atomic():
                for kind in kinds:
                    sent += _queue(share, [person], kind, shared_by=name, now=now)
    return sent
