"""SCIM access tokens and the provisioning log, in each organisation's schema."""

from django.db import models
from django.utils import timezone

from accounts.models import User
from looop.bearer_tokens import BearerToken


class ScimToken(BearerToken):
    """A bearer token for /scim/v2, the organisation's own (Entra's Secret Token)."""

    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by_label = models.CharField(max_length=255, default="system")

    class Meta:
        ordering = ["-created_at"]


class ProvisioningEvent(models.Model):
    """One row per SCIM request, so admins can debug provisioning from the console."""

    at = models.DateTimeField(default=timezone.now)
    token = models.ForeignKey(ScimToken, null=True, on_delete=models.SET_NULL, related_name="+")
    token_name = models.CharField(max_length=100, blank=True, default="")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2048)
    resource_type = models.CharField(max_length=32, blank=True, default="")
    resource_id = models.CharField(max_length=64, blank=True, default="")
    status = models.PositiveSmallIntegerField()
    scim_type = models.CharField(max_length=32, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    duration_ms = models.FloatField()
    # The request body with secrets removed, at most scim.event_body.BODY_MAX_CHARS.
    body = models.TextField(blank=True, default="", db_default="")

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["-at"], name="provisioning_event_at_idx"),
            models.Index(
                fields=["-at"],
                name="provisioning_event_error_idx",
                condition=models.Q(status__gte=400),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"


class RejectedRequestCount(models.Model):
    """SCIM requests without a valid token, counted per minute and reason.

    They are not logged one row each: anyone can send them, and an anonymous loop must not
    flood an organisation's activity page or the database. At most three rows a minute."""

    class Reason(models.TextChoices):
        MISSING = "missing", "No Authorization header"
        MALFORMED = "malformed", "Not a bearer token"
        INVALID = "invalid", "Unknown, revoked or expired token"

    minute = models.DateTimeField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["minute", "reason"], name="rejected_request_minute")
        ]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.reason}: {self.count}"
