"""Outgoing email, kept in the organisation's schema: the idempotency record of each message."""

import uuid

from django.db import models


class OutgoingEmail(models.Model):
    """One message to one person. Its id is the message's idempotency key and Message-ID.

    The row holds no secret: links with tokens are made when the job renders the message.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        PASSWORD_RESET = "password_reset", "Password reset"
        PASSWORD_RESET_REFUSED = "password_reset_refused", "Password reset (refused)"
        NOTICE = "notice", "Notice"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"  # claimed by a worker; see looop/mail/sending.py
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # gave up after the last attempt

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    to_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_address = models.CharField(max_length=254)
    context = models.JSONField(default=dict, blank=True)  # for the templates; no secrets
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    # The attempt under way: committed before the message goes to the server.
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["to_user", "kind", "created"], name="outgoing_email_user_idx"),
            models.Index(
                fields=["created"],
                condition=~models.Q(last_error=""),
                name="outgoing_email_trouble_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_address} ({self.status})"
