"""Requests without a valid token are counted per organisation, minute and reason, never
stored one row each: an anonymous loop cannot flood the log or the database."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.services import organisation_host
from scim.event_log import EventQueue
from scim.models import ProvisioningEvent, RejectedRequestCount
from scim.services import events_prune
from tests.scim.conftest import ScimClient, error_body, eventually, in_schema, parallel

MINUTE = datetime(2026, 11, 30, 12, 7, tzinfo=UTC)


def counts(slug: str) -> dict[str, int]:
    rows = in_schema(
        slug, lambda: list(RejectedRequestCount.objects.values_list("reason", "count"))
    )
    totals: Counter[str] = Counter()
    for reason, count in rows:
        totals[reason] += count
    return dict(totals)


@pytest.mark.django_db
def test_each_kind_of_refusal_is_counted_by_reason_and_logs_no_event(acme, globex_token):
    anonymous = ScimClient("acme", None)
    assert anonymous.get("/Users").status_code == 401
    assert anonymous.get("/Users", HTTP_AUTHORIZATION="Basic YTpi").status_code == 401
    assert anonymous.get("/Groups", HTTP_AUTHORIZATION="Bearer").status_code == 401
    for secret in ("looop_scim_nope", globex_token, "x" * 5000):
        response = ScimClient("acme", secret).post("/Users", {"userName": "a@acme.test"})
        assert response.status_code == 401
        assert response.json() == error_body(401, "The token is invalid, revoked or expired.")
    assert counts("acme") == {"missing": 1, "malformed": 2, "invalid": 3}
    assert in_schema("acme", ProvisioningEvent.objects.count) == 0
    assert counts("globex") == {}  # globex's token was sent to acme: acme counts it


@pytest.mark.django_db
def test_a_valid_request_is_still_logged_as_an_event(scim):
    assert scim.get("/Users").status_code == 200
    assert in_schema(
        "acme", lambda: list(ProvisioningEvent.objects.values_list("status", "path"))
    ) == [(200, "/scim/v2/Users")]
    assert counts("acme") == {}


def test_the_queue_adds_counts_per_organisation_and_minute(settings, two_orgs):
    settings.SCIM_EVENT_FLUSH_MS = 600_000
    first, second = two_orgs
    queue = EventQueue()
    for _ in range(5):
        queue.count_rejected(first, MINUTE, "invalid")
    queue.count_rejected(first, MINUTE + timedelta(minutes=1), "missing")
    queue.count_rejected(second, MINUTE, "malformed")
    queue.count_rejected("no_such_schema", MINUTE, "invalid")  # a removed organisation
    assert queue.flush() == 0  # no events, only counts
    queue.count_rejected(first, MINUTE, "invalid")
    queue.flush()

    def rows(slug: str) -> list[tuple]:
        with schema_context(slug):
            return list(
                RejectedRequestCount.objects.order_by("minute", "reason").values_list(
                    "minute", "reason", "count"
                )
            )

    assert rows(first) == [
        (MINUTE, "invalid", 6),
        (MINUTE + timedelta(minutes=1), "missing", 1),
    ]
    assert rows(second) == [(MINUTE, "malformed", 1)]


def test_a_loop_of_bad_tokens_on_a_live_server_keeps_the_row_count_bounded(
    live_app, live_org, django_db_blocker
):
    slug, host = live_org.schema_name, organisation_host(live_org.schema_name)
    headers = [{}, {"Authorization": "Token abc"}, {"Authorization": "Bearer looop_scim_bad"}]

    def loop(worker: int) -> list[int]:
        statuses = []
        conn = HTTPConnection("127.0.0.1", live_app.port, timeout=30)
        for i in range(100):
            conn.request("GET", f"/scim/v2/Users?filter=x{i}", headers={
                "Host": host, **headers[(worker + i) % 3]})  # fmt: skip
            response = conn.getresponse()
            json.loads(response.read())
            statuses.append(response.status)
        conn.close()
        return statuses

    statuses = parallel(6, loop)
    assert [s for run in statuses for s in run] == [401] * 600
    with django_db_blocker.unblock():
        eventually(lambda: sum(counts(slug).values()) == 600, seconds=10)
        assert counts(slug) == {"missing": 200, "malformed": 200, "invalid": 200}
        rows = in_schema(slug, RejectedRequestCount.objects.count)
        minutes = in_schema(
            slug, lambda: len(set(RejectedRequestCount.objects.values_list("minute", flat=True)))
        )
        assert minutes <= 2 and rows <= 3 * minutes  # the loop took well under a minute
        assert in_schema(slug, ProvisioningEvent.objects.count) == 0


@pytest.mark.django_db
def test_old_counts_are_pruned_with_the_events(acme):
    now = timezone.now().replace(second=0, microsecond=0)
    with schema_context("acme"):
        RejectedRequestCount.objects.create(
            minute=now - timedelta(days=31), reason="invalid", count=9
        )
        RejectedRequestCount.objects.create(minute=now, reason="invalid", count=2)
        events_prune(older_than=timedelta(days=30))
        assert list(RejectedRequestCount.objects.values_list("count", flat=True)) == [2]
