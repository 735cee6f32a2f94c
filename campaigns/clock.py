"""What time it is for campaign jobs, and the organisation's time zone.

With settings.CAMPAIGNS_TEST_CLOCK on, "now" is the real time plus the organisation's
ClockOffset, so tests and demos move a day forward without sleeping or restarting workers.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import Organisation
from campaigns.models import ClockOffset


def now() -> datetime:
    real = timezone.now()
    if not settings.CAMPAIGNS_TEST_CLOCK:
        return real
    offset = ClockOffset.objects.values_list("seconds", flat=True).first() or 0
    return real + timedelta(seconds=offset)


def clock_advance(*, days: float = 0, seconds: float = 0) -> None:
    """Move the test clock of the current organisation forward."""
    if not settings.CAMPAIGNS_TEST_CLOCK:
        raise RuntimeError("The test clock is off (LOOOP_CAMPAIGNS_TEST_CLOCK).")
    step = int(days * 86_400 + seconds)
    if not ClockOffset.objects.update(seconds=F("seconds") + step):
        ClockOffset.objects.create(seconds=step)


def organisation_zone() -> ZoneInfo:
    name = (
        Organisation.objects.filter(schema_name=connection.schema_name)
        .values_list("time_zone", flat=True)
        .first()
    )
    return ZoneInfo(name or "UTC")
