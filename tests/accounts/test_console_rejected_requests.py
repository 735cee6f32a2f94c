"""Account > Provisioning shows that requests without a valid token happened: counts per
hour (UTC) for the last 24 hours, by reason, of this organisation only."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from scim.models import RejectedRequestCount

pytestmark = pytest.mark.django_db


def table_rows(html: str) -> list[list[str]]:
    """The rejected-requests table's cells, as text."""
    table = html.split('data-testid="rejected"')[1].split("</table>")[0]
    rows = table.split("<tbody>")[1].split("</tr>")[:-1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in rows
    ]


def test_the_provisioning_page_counts_refused_requests_per_hour(alice_client, globex):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    with schema_context("acme"):
        for minute, reason, count in [
            (hour + timedelta(minutes=1), "invalid", 40),
            (hour + timedelta(minutes=2), "invalid", 2),
            (hour + timedelta(minutes=2), "missing", 3),
            (hour - timedelta(hours=2, minutes=-5), "malformed", 7),
            (hour - timedelta(hours=30), "invalid", 1000),  # older than a day: not shown
        ]:
            RejectedRequestCount.objects.create(minute=minute, reason=reason, count=count)
    with schema_context("globex"):
        RejectedRequestCount.objects.create(minute=hour, reason="invalid", count=555)
    response = alice_client.get("/account/provisioning")
    assert response.status_code == 200
    earlier = hour - timedelta(hours=2)
    assert table_rows(response.content.decode()) == [
        [f"{hour:%-d %b %Y, %H}:00", "3", "0", "42", "45"],
        [f"{earlier:%-d %b %Y, %H}:00", "0", "7", "0", "7"],
    ]


def test_no_refused_requests_says_so(alice_client):
    response = alice_client.get("/account/provisioning")
    assert response.status_code == 200
    assert '<p data-testid="rejected-empty">None in the last 24 hours.</p>' in (
        response.content.decode()
    )
