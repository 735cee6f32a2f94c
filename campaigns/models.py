"""Campaigns, their steps, who is in them, and the record of every step run per person.

`Execution` is the exactly-once record: unique per (step, person), written in the same
transaction as the step's effect (campaigns/runner.py). `ShareNotice` does the same for
share notices and reminders (campaigns/notices.py).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from campaigns import limits


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=limits.NAME_MAX)
    audience = models.TextField(max_length=limits.AUDIENCE_MAX)  # a SCIM filter on Users
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """One thing a campaign does to each person: at N days in, or at a fixed moment."""

    class Timing(models.TextChoices):
        DAYS_IN = "days_in", "Days into the campaign"
        FIXED = "fixed", "At a date and time"

    class Action(models.TextChoices):
        SHARE = "share", "Share"
        EMAIL = "email", "Email"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    timing = models.CharField(max_length=8, choices=Timing.choices, default=Timing.DAYS_IN)
    days_in = models.PositiveIntegerField(default=0)
    # At this time of day in the organisation's time zone; empty: the time the person joined.
    at_time = models.TimeField(null=True, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    resource = models.ForeignKey(
        "learning.Resource", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pathway = models.ForeignKey(
        "learning.Pathway", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_days = models.PositiveIntegerField(null=True, blank=True)
    remind_days_before = models.PositiveIntegerField(null=True, blank=True)
    remind_overdue = models.BooleanField(default=False)
    subject = models.CharField(max_length=limits.SUBJECT_MAX, blank=True, default="")
    body = models.TextField(max_length=limits.BODY_MAX, blank=True, default="")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(timing="days_in", fixed_at__isnull=True)
                    | Q(timing="fixed", fixed_at__isnull=False)
                ),
                name="campaign_step_timing",
            ),
            models.CheckConstraint(
                condition=(
                    Q(action="share") & (Q(resource__isnull=True) ^ Q(pathway__isnull=True))
                    | Q(action="email", resource__isnull=True, pathway__isnull=True)
                ),
                name="campaign_step_action",
            ),
        ]

    def __str__(self) -> str:
        return f"step {self.position} of {self.campaign_id}"

    @property
    def target(self) -> object:
        return self.resource or self.pathway


class Enrolment(models.Model):
    """A person in a campaign: since `joined_at`; `left_at` once they stopped matching."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaign_enrolment_unique"),
        ]
        indexes = [
            models.Index(fields=["user"], name="campaign_enrolment_user_idx"),
            models.Index(
                fields=["campaign", "joined_at"],
                condition=Q(left_at__isnull=True),
                name="campaign_enrolment_in_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.campaign_id}"


class Event(models.Model):
    """The timeline's joins and leaves (step runs are in Execution)."""

    class Kind(models.TextChoices):
        JOINED = "joined", "Joined"
        LEFT = "left", "Left"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["campaign", "at"], name="campaign_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.campaign_id}"


class Execution(models.Model):
    """A step run for a person: the exactly-once record, written with the step's effect."""

    class Status(models.TextChoices):
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="executions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DONE)
    detail = models.CharField(max_length=500, blank=True, default="")
    ran_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "user"], name="campaign_execution_once"),
        ]
        indexes = [models.Index(fields=["user"], name="campaign_execution_user_idx")]

    def __str__(self) -> str:
        return f"step {self.step_id} for {self.user_id}: {self.status}"


class ShareReminders(models.Model):
    """The reminders an admin set on one share: N days before it is due, and when overdue."""

    share = models.OneToOneField("learning.Share", on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveIntegerField(null=True, blank=True)
    when_overdue = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"reminders of {self.share_id}"


class ShareNotice(models.Model):
    """One notice or reminder about one share to one person, sent at most once."""

    class Kind(models.TextChoices):
        NOTICE = "notice", "Shared"
        BEFORE_DUE = "before_due", "Due soon"
        OVERDUE = "overdue", "Overdue"

    share = models.ForeignKey("learning.Share", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    email_id = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["share", "user", "kind"], name="share_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.share_id} to {self.user_id}"


class ClockOffset(models.Model):
    """Test clock: how far jobs' "now" is ahead of the real one (settings.CAMPAIGNS_TEST_CLOCK)."""

    seconds = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.seconds} s ahead"
