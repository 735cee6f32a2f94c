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
from campaigns.models import Campaign, Enrolment, Execution, Step
from campaigns.notices import share_notices_queue, shared_item_url
from learning.models import Share
from learning.services import LearningRefused, share_create
from looop.mail.services import NoAddress, email_queue

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


def _due_people(step: Step, zone: str, now: datetime) -> list[Any]:
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
        cursor.execute(sql, [step.campaign_id, step.pk, *due_params, now, limits.RUN_BATCH])
        return [row[0] for row in cursor.fetchall()]


def _claim(step: Step, people: list[Any], now: datetime) -> list[Any]:
    sql = _CLAIM.format(execution=Execution._meta.db_table, enrolment=Enrolment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [step.pk, now, step.campaign_id, people])
        return [row[0] for row in cursor.fetchall()]


def _shared_links(campaign_id: Any, person: User) -> str:
    """Links to what this campaign has shared with the person so far."""
    shares = Share.objects.filter(user=person).select_related("resource", "pathway")
    steps = Step.objects.filter(
        campaign_id=campaign_id, action=Step.Action.SHARE, executions__user=person,
        executions__status=Execution.Status.DONE,
    )  # fmt: skip
    wanted = {(s.resource_id, s.pathway_id) for s in steps}
    lines = [
        f"{(s.resource or s.pathway)}: {shared_item_url(s)}"
        for s in shares
        if (s.resource_id, s.pathway_id) in wanted
    ]
    return "\n".join(lines)


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _effect(step: Step, person: User, organisation: Organisation) -> str:
    """Do the step for one person; returns the execution's detail."""
    if step.action == Step.Action.SHARE:
        due = {"due": Share.Due.AFTER, "due_days": step.due_days} if step.due_days else {}
        share = share_create(target=step.target, user=person, **due)  # type: ignore[arg-type]
        if step.remind_days_before or step.remind_overdue:
            from campaigns.notices import share_reminders_set

            share_reminders_set(
                share=share, days_before=step.remind_days_before, when_overdue=step.remind_overdue
            )
        share_notices_queue(share=share, people=[person], shared_by=step.campaign.name)
        return f"shared {share.pk}"
    values = {
        "first_name": person.name_given or person.display_name or person.user_name,
        "organisation_name": organisation.name,
        "shared_links": _shared_links(step.campaign_id, person),
    }
    record = email_queue(
        kind="notice",
        person=person,
        subject=placeholders_fill(step.subject, values),
        text=placeholders_fill(step.body, values),
    )
    return f"email {record.pk}"


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
        persons = User.objects.in_bulk(claimed)
        for user_id in claimed:
            try:
                with transaction.atomic():
                    _effect(step, persons[user_id], organisation)
            except (LearningRefused, NoAddress) as exc:
                # Inserted as done; only a refusal costs a second statement.
                Execution.objects.filter(step=step, user_id=user_id).update(
                    status=Execution.Status.FAILED, detail=str(exc)[:500]
                )
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
        while people := _due_people(step, zone, now):
            ran = _run_batch(step, people, now, organisation)
            done += ran
            if ran == 0:  # paused meanwhile, or another worker ran these: leave it the rest
                break
    return done
