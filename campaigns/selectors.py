"""Reads on campaigns for the console: the list, the audience preview, a campaign's
timeline, and one person's campaigns."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from campaigns import limits
from campaigns.audience import audience_people
from campaigns.models import Campaign, Enrolment, Event, Execution, Step


def campaigns_list() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(
        people_in=Count("enrolments", filter=Q(enrolments__left_at__isnull=True), distinct=True),
        step_count=Count("steps", distinct=True),
    )


@dataclass(frozen=True)
class Preview:
    count: int
    people: list[User]


def audience_preview(expression: str) -> Preview:
    """How many match now, and the first 20 by name (CampaignRefused if invalid)."""
    people = audience_people(expression)
    first = list(people.order_by("user_name", "id")[: limits.PREVIEW_PEOPLE])
    return Preview(count=people.count(), people=first)


@dataclass(frozen=True)
class TimelineRow:
    at: Any
    user: User
    what: str
    status: str  # joined, left, done, failed


def timeline(*, campaign: Campaign, limit: int = 200) -> list[TimelineRow]:
    """Joins, leaves and step runs, newest first."""
    events = Event.objects.filter(campaign=campaign).select_related("user").order_by("-at", "-id")
    runs = (
        Execution.objects.filter(step__campaign=campaign)
        .select_related("user", "step")
        .order_by("-ran_at", "-id")
    )
    rows = [TimelineRow(e.at, e.user, e.get_kind_display(), e.kind) for e in events[:limit]]
    rows += [
        TimelineRow(r.ran_at, r.user, f"Step {r.step.position + 1}: {step_label(r.step)}", r.status)
        for r in runs[:limit]
    ]
    return sorted(rows, key=lambda row: row.at, reverse=True)[:limit]


def pending_count(*, campaign: Campaign) -> dict[int, int]:
    """Per step: people in the campaign for whom it has not run yet."""
    inside = Enrolment.objects.filter(campaign=campaign, left_at__isnull=True)
    pending = {}
    for step in campaign.steps.all():
        ran = Execution.objects.filter(step=step).values("user_id")
        pending[step.pk] = inside.exclude(user_id__in=ran).count()
    return pending


def step_label(step: Step) -> str:
    when = (
        f"at {step.fixed_at:%Y-%m-%d %H:%M}"
        if step.timing == Step.Timing.FIXED
        else f"day {step.days_in}" + (f" at {step.at_time:%H:%M}" if step.at_time else "")
    )
    if step.action == Step.Action.SHARE:
        due = f", due in {step.due_days} days" if step.due_days else ""
        return f"{when}: share “{step.target}”{due}"
    return f"{when}: email “{step.subject}”"


@dataclass(frozen=True)
class PersonCampaign:
    campaign: Campaign
    joined_at: Any
    left_at: Any
    steps: list[tuple[Step, Execution | None]]


def person_campaigns(*, user: User) -> list[PersonCampaign]:
    enrolments = Enrolment.objects.filter(user=user).select_related("campaign")
    runs = {
        x.step_id: x for x in Execution.objects.filter(user=user, step__campaign__in=[
            e.campaign_id for e in enrolments
        ])
    }  # fmt: skip
    out = []
    for enrolment in enrolments.order_by("-joined_at"):
        steps = [(s, runs.get(s.pk)) for s in enrolment.campaign.steps.all()]
        out.append(
            PersonCampaign(enrolment.campaign, enrolment.joined_at, enrolment.left_at, steps)
        )
    return out
