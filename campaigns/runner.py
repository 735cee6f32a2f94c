"""Running due steps, exactly once per (step, person).

A batch of people is claimed by inserting their Execution rows (unique per step and person)
in the same transaction as the step's effect: the share and its notice, or the email's
record and job. A second worker inserting the same rows waits for the first one's commit and
then inserts nothing; a worker killed mid-batch rolls back both the records and the effects,
and the retried job does the batch again. So two workers, a retry or a crash never double a
step, and never lose one.
"""

import logging
import re
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from accounts.models import Organisation, User
from campaigns import clock, limits
from campaigns.models import Campaign, Enrolment, Execution, ShareReminders, Step
from campaigns.notices import notices_queue, shared_item_url
from learning.models import Share
from learning.services import LearningRefused
from learning.shares_bulk import shares_create_for_people
from looop.mail.services import Outgoing, emails_queue

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def _due(step: Step, zone: str) -> tuple[str, list[Any]]:
    """SQL for "this enrolment's step is due by %s", and its parameters."""
    if step.timing == Step.Timing.FIXED:
        return "(e.joined_at <= %s AND %s <= %s)", [step.fixed_at, step.fixed_at]
    if step.at_time is None:
        return "(e.joined_at + make_interval(days => %s) <= %s)", [step.days_in]
    local_day = "((e.joined_at AT TIME ZONE %s)::date + %s)"
    return f"(({local_day} + %s::time) AT TIME ZONE %s <= %s)", [
        zone, step.days_in, step.at_time, zone,
    ]  # fmt: skip


_CLAIM = """
INSERT INTO {execution} (step_id, user_id, status, detail, ran_at)
SELECT %s, e.user_id, 'done', '', %s FROM {enrolment} e
WHERE e.campaign_id = %s AND e.left_at IS NULL AND e.user_id = ANY(%s)
ON CONFLICT (step_id, user_id) DO NOTHING
RETURNING user_id
"""


def _due_people(step: Step, zone: str, now: datetime, limit: int) -> list[Any]:
    due_sql, due_params = _due(step, zone)
    sql = (
        f"SELECT e.user_id FROM {Enrolment._meta.db_table} e"
        " WHERE e.campaign_id = %s AND e.left_at IS NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {Execution._meta.db_table} x"
        "  WHERE x.step_id = %s AND x.user_id = e.user_id)"
        f" AND {due_sql}"
        " ORDER BY e.joined_at, e.user_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [step.campaign_id, step.pk, *due_params, now, limit])
        return [row[0] for row in cursor.fetchall()]


def _claim(step: Step, people: list[Any], now: datetime) -> list[Any]:
    sql = _CLAIM.format(execution=Execution._meta.db_table, enrolment=Enrolment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [step.pk, now, step.campaign_id, people])
        return [row[0] for row in cursor.fetchall()]


def _shared_links(campaign_id: Any, people: list[Any]) -> dict[Any, str]:
    """Links to what this campaign has shared with each person so far: three queries for
    the whole batch."""
    targets = {
        step.pk: (step.resource_id, step.pathway_id)
        for step in Step.objects.filter(campaign_id=campaign_id, action=Step.Action.SHARE)
    }
    wanted: dict[Any, set[tuple[Any, Any]]] = {}
    runs = Execution.objects.filter(
        step_id__in=targets, user_id__in=people, status=Execution.Status.DONE
    ).values_list("user_id", "step_id")
    for user_id, step_id in runs:
        wanted.setdefault(user_id, set()).add(targets[step_id])
    lines: dict[Any, list[str]] = {}
    items: dict[tuple[Any, Any], str] = {}  # one link per item, not one per person
    shares = Share.objects.filter(user_id__in=list(wanted)).select_related("resource", "pathway")
    for s in shares:
        target = (s.resource_id, s.pathway_id)
        if target in wanted[s.user_id]:
            if target not in items:
                items[target] = f"{(s.resource or s.pathway)}: {shared_item_url(s)}"
            lines.setdefault(s.user_id, []).append(items[target])
    return {person: "\n".join(found) for person, found in lines.items()}


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


_REMINDERS = f"""
INSERT INTO {ShareReminders._meta.db_table} (share_id, days_before, when_overdue)
SELECT share, %s, %s FROM unnest(%s::uuid[]) AS shares(share)
ON CONFLICT (share_id) DO UPDATE
    SET days_before = EXCLUDED.days_before, when_overdue = EXCLUDED.when_overdue
"""


def _share(step: Step, people: dict[Any, User]) -> dict[Any, str]:
    """Share the step's item with everyone in `people`, set-based: one statement for the
    shares, one for their reminders, a few for their notices. Returns each one's detail."""
    due = {"due": Share.Due.AFTER, "due_days": step.due_days} if step.due_days else {}
    made = shares_create_for_people(target=step.target, user_ids=list(people), **due)  # type: ignore[arg-type]
    if step.remind_days_before or step.remind_overdue:
        share_ids = [str(share_id) for share_id, _ in made.values()]
        with connection.cursor() as cursor:
            cursor.execute(_REMINDERS, [step.remind_days_before, step.remind_overdue, share_ids])
    shares = {
        user_id: Share(
            id=share_id,
            resource=step.resource,
            pathway=step.pathway,
            user_id=user_id,
            created=created,
            **due,
        )  # fmt: skip
        for user_id, (share_id, created) in made.items()
    }
    pairs = [(shares[user_id], people[user_id]) for user_id in made]
    notices_queue(pairs=pairs, shared_by=step.campaign.name, now=clock.now())
    return {user_id: f"shared {share_id}" for user_id, (share_id, _) in made.items()}


def _email(step: Step, people: dict[Any, User], organisation: Organisation) -> dict[Any, str]:
    """Queue the step's email to everyone in `people` in one INSERT; someone without an
    address is refused (their detail says why)."""
    links = _shared_links(step.campaign_id, list(people))
    emails = []
    for user_id, person in people.items():
        values = {
            "first_name": person.name_given or person.display_name or person.user_name,
            "organisation_name": organisation.name,
            "shared_links": links.get(user_id, ""),
        }
        context = {
            "subject": placeholders_fill(step.subject, values),
            "text": placeholders_fill(step.body, values),
        }
        emails.append(Outgoing(person=person, context=context))
    records = emails_queue(kind="notice", emails=emails)
    return {
        user_id: f"email {record.pk}" if record else f"{_REFUSED}{person} has no email address."
        for (user_id, person), record in zip(people.items(), records, strict=True)
    }


_REFUSED = "\x00"  # starts the detail of a refusal (a real detail never has a NUL)
_DETAILS = f"""
UPDATE {Execution._meta.db_table} x SET status = v.status, detail = v.detail
FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS v(person, status, detail)
WHERE x.step_id = %s AND x.user_id = v.person
"""


def _run_batch(step: Step, people: list[Any], now: datetime, organisation: Organisation) -> int:
    with transaction.atomic():
        # FOR SHARE: batches of several workers go side by side, and a pause waits for them;
        # a campaign paused before this batch runs nothing more.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT status FROM {Campaign._meta.db_table} WHERE id = %s FOR SHARE",
                [step.campaign_id],
            )
            row = cursor.fetchone()
        if row is None or row[0] != Campaign.Status.RUNNING:
            return 0
        claimed = _claim(step, people, now)
        if not claimed:
            return 0
        persons = User.objects.in_bulk(claimed)
        try:
            with transaction.atomic():
                if step.action == Step.Action.SHARE:
                    details = _share(step, persons)
                else:
                    details = _email(step, persons, organisation)
        except LearningRefused as exc:  # refused for all of them (an unpublished resource)
            details = {user_id: f"{_REFUSED}{exc}" for user_id in claimed}
        people_ids, statuses, texts = [], [], []
        for user_id, detail in details.items():
            refused = detail.startswith(_REFUSED)
            people_ids.append(str(user_id))
            statuses.append(Execution.Status.FAILED if refused else Execution.Status.DONE)
            texts.append(detail.removeprefix(_REFUSED)[:500])
        with connection.cursor() as cursor:
            cursor.execute(_DETAILS, [people_ids, statuses, texts, step.pk])
        return len(claimed)


def steps_run_due(*, now: datetime | None = None) -> int:
    """Run every due step of the organisation's running campaigns; returns how many
    (step, person) runs this call did."""
    now = now or clock.now()
    organisation = Organisation.objects.get(schema_name=connection.schema_name)
    zone = organisation.time_zone
    done = 0
    steps = Step.objects.filter(campaign__status=Campaign.Status.RUNNING).select_related(
        "campaign", "resource", "pathway"
    )
    for step in steps:
        # Who is due is read once per step and tick (up to DUE_READ_MAX), then run in batches:
        # read again per batch, the anti-join with the executions written meanwhile was
        # planned on the statistics of a table that was empty, and cost 0.3 s a batch at
        # 2,000 people (docs/performance.md, Campaigns).
        while due := _due_people(step, zone, now, limits.DUE_READ_MAX):
            for start in range(0, len(due), limits.RUN_BATCH):
                ran = _run_batch(step, due[start : start + limits.RUN_BATCH], now, organisation)
                done += ran
                if ran == 0:  # paused meanwhile, or another worker ran these: leave the rest
                    break
            else:
                if len(due) == limits.DUE_READ_MAX:
                    continue  # there may be more
            break
    return done
