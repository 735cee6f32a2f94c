"""Writes on campaigns: create and edit, steps, the lifecycle, and enrolment.

Enrolment is set-based: one INSERT … SELECT for those who now match, one UPDATE for those
who no longer do, whatever the audience's size (campaigns/audience.py).
"""

import re
from datetime import datetime, time

from django.db import connection, transaction

from campaigns import clock, limits
from campaigns.audience import audience_people, audience_q
from campaigns.errors import CampaignRefused
from campaigns.interest import interest_forget
from campaigns.models import Campaign, Enrolment, Event, Step
from learning.models import Pathway, Resource

PLACEHOLDERS = frozenset({"first_name", "organisation_name", "shared_links"})
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def _name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise CampaignRefused("Give the campaign a name.")
    if len(value) > limits.NAME_MAX or "\x00" in value:
        raise CampaignRefused(f"The name is limited to {limits.NAME_MAX} characters, no NUL.")
    return value


@transaction.atomic
def campaign_create(*, name: str, audience: str) -> Campaign:
    audience_q(audience)
    return Campaign.objects.create(name=_name(name), audience=audience.strip())


@transaction.atomic
def campaign_update(*, campaign: Campaign, name: str, audience: str) -> Campaign:
    """Rename or change the audience; a running campaign is re-evaluated at once."""
    audience_q(audience)
    campaign.name, campaign.audience = _name(name), audience.strip()
    campaign.save(update_fields=["name", "audience"])
    if campaign.status != Campaign.Status.DRAFT:
        enrolments_evaluate(campaign=campaign)
    return campaign


def placeholders_check(text: str) -> None:
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - PLACEHOLDERS)
    if unknown:
        known = ", ".join("{{" + p + "}}" for p in sorted(PLACEHOLDERS))
        raise CampaignRefused(f"Unknown placeholder {{{{{unknown[0]}}}}}; use {known}.")


@transaction.atomic
def step_add(
    *,
    campaign: Campaign,
    action: str,
    days_in: int | None = 0,
    at_time: time | None = None,
    fixed_at: datetime | None = None,
    target: Resource | Pathway | None = None,
    due_days: int | None = None,
    remind_days_before: int | None = None,
    remind_overdue: bool = False,
    subject: str = "",
    body: str = "",
) -> Step:
    if campaign.steps.count() >= limits.STEPS_MAX:
        raise CampaignRefused(f"A campaign has at most {limits.STEPS_MAX} steps.")
    step = Step(campaign=campaign, action=action, position=campaign.steps.count())
    if fixed_at is not None:
        step.timing, step.fixed_at, step.days_in = Step.Timing.FIXED, fixed_at, 0
    else:
        if days_in is None or not 0 <= days_in <= limits.OFFSET_DAYS_MAX:
            raise CampaignRefused(f"Days into the campaign is from 0 to {limits.OFFSET_DAYS_MAX}.")
        step.days_in, step.at_time = days_in, at_time
    if action == Step.Action.SHARE:
        if isinstance(target, Resource):
            if not target.is_published:
                raise CampaignRefused("Publish the resource before a campaign shares it.")
            step.resource = target
        elif isinstance(target, Pathway):
            step.pathway = target
        else:
            raise CampaignRefused("Choose the resource or pathway to share.")
        if due_days is not None and not 1 <= due_days <= limits.DUE_DAYS_MAX:
            raise CampaignRefused(f"Due in is from 1 to {limits.DUE_DAYS_MAX} days.")
        if remind_days_before is not None:
            if due_days is None:
                raise CampaignRefused("A reminder before the due date needs a due date.")
            if not 1 <= remind_days_before <= limits.REMIND_DAYS_MAX:
                raise CampaignRefused(f"Remind from 1 to {limits.REMIND_DAYS_MAX} days before.")
        if remind_overdue and due_days is None:
            raise CampaignRefused("An overdue reminder needs a due date.")
        step.due_days = due_days
        step.remind_days_before, step.remind_overdue = remind_days_before, remind_overdue
    elif action == Step.Action.EMAIL:
        subject, body = (subject or "").strip(), (body or "").strip()
        if not subject or not body:
            raise CampaignRefused("An email step needs a subject and a body.")
        if len(subject) > limits.SUBJECT_MAX or len(body) > limits.BODY_MAX:
            raise CampaignRefused(
                f"The subject is limited to {limits.SUBJECT_MAX} characters and the body to "
                f"{limits.BODY_MAX:,}."
            )
        if "\x00" in subject + body:
            raise CampaignRefused("The email may not contain a NUL character.")
        placeholders_check(subject + body)
        step.subject, step.body = subject, body
    else:
        raise CampaignRefused("A step shares or sends an email.")
    step.save()
    return step


@transaction.atomic
def step_delete(*, step: Step) -> None:
    """Remove a step; what it already did stays (its records go with it)."""
    step.delete()


# --- lifecycle -------------------------------------------------------------------------


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


@transaction.atomic
def campaign_start(*, campaign: Campaign) -> Campaign:
    """Draft → running: the audience is enrolled now and steps run from the next job."""
    locked = _locked(campaign)
    if locked.status != Campaign.Status.DRAFT:
        raise CampaignRefused("Only a draft campaign can be started.")
    if not locked.steps.exists():
        raise CampaignRefused("Add at least one step before starting.")
    locked.status, locked.started_at = Campaign.Status.RUNNING, clock.now()
    locked.save(update_fields=["status", "started_at"])
    interest_forget()  # provisioning changes here are followed from now on
    enrolments_evaluate(campaign=locked)
    _defer_run()
    return locked


@transaction.atomic
def campaign_pause(*, campaign: Campaign) -> Campaign:
    """Hold every step: nothing runs until resumed. People still join and leave."""
    locked = _locked(campaign)
    if locked.status != Campaign.Status.RUNNING:
        raise CampaignRefused("Only a running campaign can be paused.")
    locked.status = Campaign.Status.PAUSED
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def campaign_resume(*, campaign: Campaign) -> Campaign:
    """Run again: steps that fell due while paused run now, and are not doubled."""
    locked = _locked(campaign)
    if locked.status != Campaign.Status.PAUSED:
        raise CampaignRefused("Only a paused campaign can be resumed.")
    locked.status = Campaign.Status.RUNNING
    locked.save(update_fields=["status"])
    enrolments_evaluate(campaign=locked)
    _defer_run()
    return locked


def _defer_run() -> None:
    from campaigns.jobs import run_soon

    run_soon()


# --- enrolment -------------------------------------------------------------------------

# Each statement also writes its joins or leaves to the timeline (Event), in the same
# statement: no row comes back to Python, whatever the audience's size.
_JOIN = """
WITH joined AS (
    INSERT INTO {enrolment} (campaign_id, user_id, joined_at, left_at)
    SELECT %s, matching.id, %s, NULL FROM ({matching}) matching
    ON CONFLICT (campaign_id, user_id) DO UPDATE
        SET joined_at = EXCLUDED.joined_at, left_at = NULL
        WHERE {enrolment}.left_at IS NOT NULL
    RETURNING user_id
)
INSERT INTO {event} (campaign_id, user_id, kind, at)
SELECT %s, user_id, 'joined', %s FROM joined
"""
_LEAVE = """
WITH left_now AS (
    UPDATE {enrolment} SET left_at = %s
    WHERE campaign_id = %s AND left_at IS NULL AND user_id NOT IN ({matching})
    RETURNING user_id
)
INSERT INTO {event} (campaign_id, user_id, kind, at)
SELECT %s, user_id, 'left', %s FROM left_now
"""


def enrolments_evaluate(*, campaign: Campaign) -> tuple[int, int]:
    """Enrol those who match now and are not in; those in who no longer match leave (their
    pending steps never run; what they received stays). Someone who matches again later
    joins again: their days count from then, and steps they already had do not repeat.
    Returns (joined, left). Runs in the caller's transaction, serialised per campaign."""
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        matching, params = audience_people(campaign.audience).values("id").query.sql_with_params()
        tables = {
            "enrolment": connection.ops.quote_name(Enrolment._meta.db_table),
            "event": connection.ops.quote_name(Event._meta.db_table),
            "matching": matching,
        }
        now = clock.now()
        with connection.cursor() as cursor:
            cursor.execute(_JOIN.format(**tables), [campaign.pk, now, *params, campaign.pk, now])
            joined = cursor.rowcount
            cursor.execute(_LEAVE.format(**tables), [now, campaign.pk, *params, campaign.pk, now])
            left = cursor.rowcount
    return joined, left


def campaigns_evaluate_all() -> tuple[int, int]:
    """Every started campaign of the current organisation (a paused one's people still
    join and leave)."""
    joined = left = 0
    for campaign in Campaign.objects.exclude(status=Campaign.Status.DRAFT):
        j, lft = enrolments_evaluate(campaign=campaign)
        joined, left = joined + j, left + lft
    return joined, left
