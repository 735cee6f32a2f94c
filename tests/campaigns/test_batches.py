"""Steps run set-based: a day-0 batch costs the same number of statements for 3 people or
60, its emails go out in batch jobs, and the tick waits for a pause in provisioning."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.services import user_create
from campaigns import jobs, services
from campaigns.models import Campaign, Enrolment, Event, Execution, ShareNotice, ShareReminders
from campaigns.runner import steps_run_due
from learning.models import Share
from looop.mail.models import OutgoingEmail
from scim.models import ProvisioningEvent
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db


def day_0_campaign(pathway, department: str = "Sales") -> Campaign:
    audience = f'department eq "{department}"'
    campaign = services.campaign_create(name="Sales new starters", audience=audience)
    services.step_add(
        campaign=campaign, action="share", target=pathway, due_days=14, remind_days_before=2,
        remind_overdue=True,
    )  # fmt: skip
    services.step_add(
        campaign=campaign, action="email", subject="Welcome, {{first_name}}",
        body="Hello {{first_name}}.\n{{shared_links}}",
    )  # fmt: skip
    return campaign


def _run_day_0(people: int, department: str, pathway) -> tuple[int, int]:
    for i in range(people):
        person(f"{department}{i}@acme.test", name_given=f"P{i}", department=department)
    campaign = day_0_campaign(pathway, department)
    services.campaign_start(campaign=campaign)
    now = Enrolment.objects.filter(campaign=campaign).latest("joined_at").joined_at
    with CaptureQueriesContext(connection) as queries:
        ran = steps_run_due(now=now + timedelta(seconds=1))
    return ran, len(queries)


def test_a_day_0_batch_costs_the_same_statements_for_3_people_or_60(in_acme, sales_pathway):
    ran, few = _run_day_0(3, "Few", sales_pathway)
    assert ran == 6
    Campaign.objects.all().delete()
    ran, many = _run_day_0(60, "Many", sales_pathway)
    assert ran == 120
    # Set-based: nothing per person. Only the send jobs grow, one per 50 emails (two steps
    # with an email each: 2 jobs for 60 people where 3 people needed 1).
    assert many == few + 2


def test_a_batch_writes_shares_reminders_notices_and_emails_for_each_person(in_acme, sales_pathway):
    sam = person("sam@acme.test", name_given="Sam", department="Sales")
    ann = person("ann@acme.test", name_given="Ann", department="Sales")
    ghost = user_create(actor=SYSTEM, user_name="ghost", department="Sales")  # no address
    campaign = day_0_campaign(sales_pathway)
    services.campaign_start(campaign=campaign)
    assert steps_run_due(now=timezone.now() + timedelta(seconds=1)) == 6
    shares = {s.user_id: s for s in Share.objects.filter(pathway=sales_pathway)}
    assert set(shares) == {sam.pk, ann.pk, ghost.pk}
    assert {(s.due, s.due_days) for s in shares.values()} == {("after", 14)}
    assert {(r.share_id, r.days_before, r.when_overdue) for r in ShareReminders.objects.all()} == {
        (s.pk, 2, True) for s in shares.values()
    }
    runs = {(e.step.action, e.user_id): (e.status, e.detail) for e in Execution.objects.all()}
    assert runs[("share", sam.pk)] == ("done", f"shared {shares[sam.pk].pk}")
    assert runs[("email", ghost.pk)] == ("failed", "ghost has no email address.")
    assert runs[("share", ghost.pk)][0] == "done"  # shared; its notice had nowhere to go
    welcome = OutgoingEmail.objects.get(to_address="sam@acme.test", context__subject="Welcome, Sam")
    assert welcome.context["text"] == (
        "Hello Sam.\nSales onboarding: "
        f"http://acme.looop.localhost/learn/pathways/{sales_pathway.pk}"
    )
    notices = ShareNotice.objects.filter(kind="notice")
    assert {(n.user_id, n.email_id is not None) for n in notices} == {
        (sam.pk, True), (ann.pk, True), (ghost.pk, False),
    }  # fmt: skip
    notice = OutgoingEmail.objects.get(pk=notices.get(user=sam).email_id)
    due = (shares[sam.pk].created + timedelta(days=14)).date()
    assert notice.context == {
        "subject": "Sales new starters shared “Sales onboarding” with you",
        "text": (
            "“Sales onboarding” was shared with you by Sales new starters.\n\n"
            f"Due: {due:%A %d %B %Y}.\n\n"
            f"Open it: http://acme.looop.localhost/learn/pathways/{sales_pathway.pk}"
        ),
    }
    assert Event.objects.filter(kind="joined").count() == 3


def test_campaign_emails_go_out_in_batch_jobs_of_at_most_50(in_acme, sales_pathway):
    for i in range(60):
        person(f"p{i}@acme.test", department="Sales")
    campaign = services.campaign_create(name="Hi", audience='department eq "Sales"')
    services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
    services.campaign_start(campaign=campaign)
    assert steps_run_due(now=timezone.now() + timedelta(seconds=1)) == 60
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = 'mail.send_batch' ORDER BY id"
        )
        batches = [json.loads(a) if isinstance(a, str) else a for (a,) in cursor.fetchall()]
    assert [len(b["email_ids"]) for b in batches] == [50, 10]
    assert {b["organisation"] for b in batches} == {"acme"}
    queued = {str(pk) for pk in OutgoingEmail.objects.values_list("pk", flat=True)}
    assert {i for b in batches for i in b["email_ids"]} == queued


def _todo_ticks() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT queueing_lock, priority FROM procrastinate_jobs"
            " WHERE task_name = 'campaigns.tick' AND status = 'todo'"
        )
        return cursor.fetchall()


def _scim_request(at: datetime) -> None:
    ProvisioningEvent.objects.create(
        at=at, method="POST", path="/scim/v2/Users", status=201, duration_ms=3.0
    )


def test_the_tick_waits_while_provisioning_goes_on_at_most_the_maximum(acme, settings):
    settings.CAMPAIGNS_DEBOUNCE_SECONDS, settings.CAMPAIGNS_DEBOUNCE_MAX_SECONDS = 2, 30
    with schema_context("acme"):
        cache.delete("campaigns.tick.held_since")
        sam = person("sam@acme.test", department="Sales")
        campaign = services.campaign_create(name="S", audience='department eq "Sales"')
        services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.RUNNING)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs")
        _scim_request(timezone.now())
    assert jobs.tick(organisation="acme") == {"held": True}
    with schema_context("acme"):
        # It comes back in 2 s, ahead of email jobs (priority 0).
        assert _todo_ticks() == [("campaigns.tick:acme", 10)]
        assert not Enrolment.objects.exists()
        # Still provisioning, but held for longer than the maximum: it runs.
        cache.set("campaigns.tick.held_since", timezone.now().timestamp() - 31)
    assert jobs.tick(organisation="acme") == {
        "joined": 1, "left": 0, "ran": 1, "notices": 0, "reminders": 0,
    }  # fmt: skip
    with schema_context("acme"):
        assert list(Enrolment.objects.values_list("user_id", flat=True)) == [sam.pk]
        assert cache.get("campaigns.tick.held_since") is None
        # A pause in provisioning: the next tick runs at once.
        ProvisioningEvent.objects.all().delete()
        _scim_request(timezone.now() - timedelta(seconds=3))
    assert jobs.tick(organisation="acme")["joined"] == 0


def test_a_tick_in_another_organisation_is_not_held_by_this_ones_provisioning(
    acme, globex, settings
):
    settings.CAMPAIGNS_DEBOUNCE_SECONDS = 2
    with schema_context("acme"):
        _scim_request(datetime.now(UTC))
    with schema_context("globex"):
        cache.delete("campaigns.tick.held_since")
        person("gus@globex.test", department="Sales")
        campaign = services.campaign_create(name="G", audience='department eq "Sales"')
        services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.RUNNING)
    assert jobs.tick(organisation="globex")["joined"] == 1
