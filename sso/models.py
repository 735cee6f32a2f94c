"""Sign in with Microsoft: hand-off tickets, kept in each organisation's schema."""

import uuid

from django.db import models


class HandoffTicket(models.Model):
    """A validated Microsoft sign-in on its way from the public host to an organisation's host.

    The public host writes the row after it has checked the ID token; the organisation host
    consumes it once by a conditional UPDATE. The claims stay on the server, so the URL the
    browser carries holds only a signed reference, never the person's details.
    """

    class Intent(models.TextChoices):
        SIGN_IN = "sign_in", "Sign in"
        CONNECT = "connect", "Connect the Entra tenant"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intent = models.CharField(max_length=16, choices=Intent.choices)
    # SHA-256 (hex) of the random cookie the organisation host set when the flow started.
    binding_hash = models.CharField(max_length=64)
    # For a connect: the admin who pressed Connect (a user id in this schema).
    actor_id = models.UUIDField(null=True, blank=True)
    claims = models.JSONField(default=dict)
    next_path = models.CharField(max_length=512, blank=True, default="")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.intent} ticket {self.id}"
