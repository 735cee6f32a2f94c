"""Share notices and reminders: learning × email.

- Notice: one email to each person who receives a share, including people who join a shared
  group later. The campaign step queues it with its share; a debounced job after membership
  changes, and the periodic sweep, queue the others (shares made in the console too).
- Reminders: set per share (ShareReminders): N days before the due date, and when overdue,
  skipped for people who have finished the item.

Each (share, person, kind) is sent at most once: its ShareNotice row is inserted with
ON CONFLICT DO NOTHING in the same transaction as the email's record and job.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.urls import reverse

from accounts.models import Membership, Organisation, User
from campaigns import clock
from campaigns.models import ShareNotice, ShareReminders
from learning.models import PathwayStep, Progress, Share
from looop.mail.services import Outgoing, emails_queue
from looop.urls_util import org_url

# Receipts older than this get no notice: the sweep must not write about shares made before
# notices existed, nor about a membership restored from long ago.
NOTICE_WINDOW = timedelta(days=3)

_CLAIM = f"""
INSERT INTO {ShareNotice._meta.db_table} (share_id, user_id, kind, at)
SELECT share, person, %s, %s FROM unnest(%s::uuid[], %s::uuid[]) AS pairs(share, person)
ON CONFLICT (share_id, user_id, kind) DO NOTHING
RETURNING share_id, user_id
"""
_EMAIL_IDS = f"""
UPDATE {ShareNotice._meta.db_table} n SET email_id = v.email
FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::uuid[]) AS v(share, person, kind, email)
WHERE n.share_id = v.share AND n.user_id = v.person AND n.kind = v.kind
"""


def shared_item_url(share: Share) -> str:
    if share.resource_id:
        path = reverse("learning_resource", args=[share.resource_id])
    else:
        path = reverse("learning_pathway", args=[share.pathway_id])
    return org_url(connection.schema_name, path)


def _receipts(shares: Sequence[Share], people: Sequence[Any]) -> dict[tuple[Any, Any], datetime]:
    """When each person received each group share (joined the group, if later): one query."""
    groups = {s.group_id for s in shares if s.group_id is not None}
    if not groups:
        return {}
    joined = Membership.objects.filter(group_id__in=groups, user_id__in=set(people))
    return {(g, u): at for g, u, at in joined.values_list("group_id", "user_id", "created")}


def _due_date(share: Share, received: datetime, zone: ZoneInfo) -> date | None:
    if share.due == Share.Due.FIXED:
        return share.due_date
    if share.due == Share.Due.AFTER and share.due_days:
        return received.astimezone(zone).date() + timedelta(days=share.due_days)
    return None


def due_date_of(share: Share, person_id: Any) -> date | None:
    """The person's due date: fixed, or N days after they received it (organisation's days)."""
    received = share.created
    if share.group_id is not None:
        joined = _receipts([share], [person_id]).get((share.group_id, person_id))
        received = max(received, joined) if joined else received
    return _due_date(share, received, clock.organisation_zone())


def _claim(pairs: Sequence[tuple[Share, User]], kind: str, now: datetime) -> set[tuple[Any, Any]]:
    """Insert the ShareNotice rows of (share, person) pairs not yet sent this kind: the
    at-most-once record. Returns the (share id, person id) pairs this call inserted."""
    if not pairs:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM,
            [kind, now, [str(s.pk) for s, _ in pairs], [str(p.pk) for _, p in pairs]],
        )
        return {(row[0], row[1]) for row in cursor.fetchall()}


def _send(claimed: Sequence[tuple[Share, User, str]], *, shared_by: str) -> int:
    """Queue the emails of claimed notices and reminders, set-based; returns how many.
    Someone without an address keeps the row (and is not asked again)."""
    if not claimed:
        return 0
    zone = clock.organisation_zone()
    receipts = _receipts([s for s, _, _ in claimed], [p.pk for _, p, _ in claimed])
    emails, urls = [], {}
    for share, person, kind in claimed:
        target = (share.resource_id, share.pathway_id)
        if target not in urls:  # one per item, not one per person
            urls[target] = shared_item_url(share)
        title = str(share.resource or share.pathway)
        subject = {
            ShareNotice.Kind.NOTICE: f"{shared_by} shared “{title}” with you",
            ShareNotice.Kind.BEFORE_DUE: f"Reminder: “{title}” is due soon",
            ShareNotice.Kind.OVERDUE: f"Reminder: “{title}” is overdue",
        }[kind]
        received = share.created
        if (joined := receipts.get((share.group_id, person.pk))) is not None:
            received = max(received, joined)
        due = _due_date(share, received, zone)
        lines = [
            f"“{title}” was shared with you by {shared_by}.",
            f"Due: {due:%A %d %B %Y}." if due else "No due date.",
            f"Open it: {urls[target]}",
        ]
        emails.append(
            Outgoing(person=person, context={"subject": subject, "text": "\n\n".join(lines)})
        )
    records = emails_queue(kind="notice", emails=emails)
    done = [(c, r) for c, r in zip(claimed, records, strict=True) if r is not None]
    if done:
        with connection.cursor() as cursor:
            cursor.execute(
                _EMAIL_IDS,
                [
                    [str(s.pk) for (s, _, _), _ in done],
                    [str(p.pk) for (_, p, _), _ in done],
                    [k for (_, _, k), _ in done],
                    [str(r.pk) for _, r in done],
                ],
            )
    return len(done)


@transaction.atomic
def notices_queue(*, pairs: Sequence[tuple[Share, User]], shared_by: str, now: datetime) -> int:
    """The notice of each (share, person) pair that has not had it; returns how many were
    queued. One INSERT claims them, one INSERT queues their emails."""
    fresh = _claim(pairs, ShareNotice.Kind.NOTICE, now)
    claimed = [(s, p, ShareNotice.Kind.NOTICE) for s, p in pairs if (s.pk, p.pk) in fresh]
    return _send(claimed, shared_by=shared_by)


def share_notices_queue(*, share: Share, people: Iterable[User], shared_by: str) -> int:
    """The notice of `share` to each of `people` who has not had it; returns how many."""
    pairs = [(share, person) for person in people]
    return notices_queue(pairs=pairs, shared_by=shared_by, now=clock.now())


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
        found = cursor.fetchall()
    if not found:
        return 0
    shares = Share.objects.select_related("resource", "pathway").in_bulk({s for s, _ in found})
    people = User.objects.in_bulk({u for _, u in found})
    pairs = [(shares[s], people[u]) for s, u in found]
    return notices_queue(pairs=pairs, shared_by=_organisation_name(), now=now)


# --- reminders -------------------------------------------------------------------------


@transaction.atomic
def share_reminders_set(*, share: Share, days_before: int | None, when_overdue: bool) -> None:
    ShareReminders.objects.update_or_create(
        share=share, defaults={"days_before": days_before, "when_overdue": when_overdue}
    )


# Every reminder due today or earlier (organisation's days) that was not sent, to live
# recipients who have not finished the item, claimed in one statement: the ShareNotice row
# (unique per share, person and kind) is inserted here, so each is sent at most once.
_REMINDERS_CLAIM = f"""
WITH reminded AS MATERIALIZED (
    SELECT s.id AS share_id, s.user_id, s.group_id, s.created, s.due, s.due_date, s.due_days,
        s.resource_id, s.pathway_id, rem.days_before, rem.when_overdue
    FROM {ShareReminders._meta.db_table} rem
    JOIN {Share._meta.db_table} s ON s.id = rem.share_id AND s.due <> 'none'
), recipients AS (
    SELECT x.*, x.user_id AS person, x.created AS received FROM reminded x
    WHERE x.user_id IS NOT NULL
    UNION ALL
    SELECT x.*, m.user_id, greatest(m.created, x.created) FROM reminded x
    JOIN {Membership._meta.db_table} m ON m.group_id = x.group_id
), due AS (
    SELECT r.share_id, r.person, r.resource_id, r.pathway_id, r.days_before, r.when_overdue,
        CASE
            WHEN r.due = 'fixed' THEN r.due_date
            WHEN r.due = 'after' AND r.due_days > 0
                THEN (r.received AT TIME ZONE %(zone)s)::date + r.due_days
        END AS due_on
    FROM recipients r
    JOIN {User._meta.db_table} u ON u.id = r.person AND u.active AND u.deleted_at IS NULL
), kinds AS (
    SELECT share_id, person, resource_id, pathway_id,
        CASE
            WHEN when_overdue AND %(today)s > due_on THEN 'overdue'
            WHEN days_before > 0 AND %(today)s >= due_on - days_before THEN 'before_due'
        END AS kind
    FROM due
)
INSERT INTO {ShareNotice._meta.db_table} (share_id, user_id, kind, at)
SELECT d.share_id, d.person, d.kind, %(now)s FROM kinds d
WHERE d.kind IS NOT NULL AND NOT (
    CASE WHEN d.resource_id IS NOT NULL THEN EXISTS (
        SELECT 1 FROM {Progress._meta.db_table} p
        WHERE p.user_id = d.person AND p.resource_id = d.resource_id
            AND p.completed_at IS NOT NULL
    ) ELSE NOT EXISTS (
        SELECT 1 FROM {PathwayStep._meta.db_table} ps
        WHERE ps.pathway_id = d.pathway_id AND NOT EXISTS (
            SELECT 1 FROM {Progress._meta.db_table} p
            WHERE p.user_id = d.person AND p.resource_id = ps.resource_id
                AND p.completed_at IS NOT NULL
        )
    ) END
)
ON CONFLICT (share_id, user_id, kind) DO NOTHING
RETURNING share_id, user_id, kind
"""


@transaction.atomic
def reminders_sweep(*, now: datetime | None = None) -> int:
    """Reminders that fell due today or earlier (organisation's days), at most once each:
    claimed in one statement, then their emails queued together."""
    if not ShareReminders.objects.exists():
        return 0  # the sweep asks every organisation each minute; most have none
    now = now or clock.now()
    zone = clock.organisation_zone()
    today = now.astimezone(zone).date()
    with connection.cursor() as cursor:
        cursor.execute(_REMINDERS_CLAIM, {"zone": str(zone), "today": today, "now": now})
        claimed = cursor.fetchall()
    if not claimed:
        return 0
    shares = Share.objects.select_related("resource", "pathway").in_bulk({s for s, _, _ in claimed})
    people = User.objects.in_bulk({u for _, u, _ in claimed})
    rows = [(shares[s], people[u], kind) for s, u, kind in claimed]
    return _send(rows, shared_by=_organisation_name())
