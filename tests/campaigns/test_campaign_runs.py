"""Audiences, joining and leaving, and steps run exactly once, with an explicit "now"."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Organisation
from accounts.services import group_members_add, user_deactivate, user_update
from campaigns import services
from campaigns.errors import CampaignRefused
from campaigns.models import Enrolment, Event, Execution, ShareNotice
from campaigns.runner import steps_run_due
from learning.models import Share
from looop.mail.models import OutgoingEmail
from tests.campaigns.conftest import MONDAY_9, person

pytestmark = pytest.mark.django_db


def sales_campaign(pathway, *, audience='department eq "Sales"'):
    campaign = services.campaign_create(name="Sales new starters", audience=audience)
    services.step_add(campaign=campaign, action="share", days_in=0, target=pathway, due_days=14)
    services.step_add(
        campaign=campaign,
        action="email",
        days_in=1,
        at_time=time(9, 0),
        subject="Welcome, {{first_name}}",
        body="Welcome to {{organisation_name}}.\n{{shared_links}}",
    )
    return campaign


def start_on_monday(campaign):
    """Start the campaign as if everyone had joined on Monday at 09:00 UTC."""
    services.campaign_start(campaign=campaign)
    Enrolment.objects.filter(campaign=campaign).update(joined_at=MONDAY_9)


def emails(address):
    return list(OutgoingEmail.objects.filter(to_address=address).values_list("context", flat=True))


def test_audience_errors_are_refused_with_the_reason(in_acme):
    with pytest.raises(CampaignRefused, match="Unknown attribute 'shoeSize'"):
        services.campaign_create(name="x", audience='shoeSize eq "42"')
    with pytest.raises(CampaignRefused, match="not a valid filter"):
        services.campaign_create(name="x", audience='department eq "Sales" and')
    with pytest.raises(CampaignRefused, match="at least one condition"):
        services.campaign_create(name="x", audience="  ")
    with pytest.raises(CampaignRefused, match="limited to 2,000 characters"):
        services.campaign_create(name="x", audience='title eq "' + "x" * 2000 + '"')


def test_start_enrols_whoever_matches_and_day_0_runs_once(in_acme, sales_pathway):
    sam = person("sam@acme.test", name_given="Sam", department="Sales")
    person("mo@acme.test", department="Marketing")
    person("off@acme.test", department="Sales", active=False)
    campaign = sales_campaign(sales_pathway)
    services.campaign_start(campaign=campaign)
    assert list(Enrolment.objects.filter(campaign=campaign).values_list("user_id", "left_at")) == [
        (sam.pk, None)
    ]
    now = Enrolment.objects.get(user=sam).joined_at
    assert steps_run_due(now=now) == 1
    assert steps_run_due(now=now) == 0  # a second run (retry, other worker) does nothing
    share = Share.objects.get(user=sam)
    assert (share.pathway_id, share.due, share.due_days) == (sales_pathway.pk, "after", 14)
    assert list(Execution.objects.values_list("user_id", "status")) == [(sam.pk, "done")]
    assert ShareNotice.objects.filter(share=share, user=sam, kind="notice").count() == 1
    [notice] = emails("sam@acme.test")
    assert notice["subject"] == "Sales new starters shared “Sales onboarding” with you"
    assert f"/learn/pathways/{sales_pathway.pk}" in notice["text"]


def test_day_1_email_waits_for_the_time_of_day_in_the_organisations_zone(in_acme, sales_pathway):
    Organisation.objects.filter(schema_name="acme").update(time_zone="America/New_York")
    sam = person("sam@acme.test", name_given="Sam", department="Sales")
    campaign = sales_campaign(sales_pathway)
    services.campaign_start(campaign=campaign)
    Enrolment.objects.filter(user=sam).update(joined_at=MONDAY_9)  # 04:00 in New York
    steps_run_due(now=MONDAY_9)
    # Day 1 at 09:00 New York is Tuesday 14:00 UTC.
    assert steps_run_due(now=MONDAY_9 + timedelta(days=1, hours=4, minutes=59)) == 0
    assert steps_run_due(now=MONDAY_9 + timedelta(days=1, hours=5)) == 1
    assert steps_run_due(now=MONDAY_9 + timedelta(days=3)) == 0
    welcome = [e for e in emails("sam@acme.test") if e["subject"].startswith("Welcome")]
    assert len(welcome) == 1
    assert welcome[0]["subject"] == "Welcome, Sam"
    assert welcome[0]["text"].startswith("Welcome to Acme")
    assert "Sales onboarding: http://acme.looop.localhost" in welcome[0]["text"]


def test_people_leave_when_they_stop_matching_and_their_later_steps_never_run(
    in_acme, sales_pathway
):
    sam = person("sam@acme.test", department="Sales")
    kim = person("kim@acme.test", department="Sales")
    campaign = sales_campaign(sales_pathway)
    start_on_monday(campaign)
    steps_run_due(now=MONDAY_9)
    assert user_update(user=sam, changes={"department": "Marketing"}, actor=SYSTEM)
    user_deactivate(user=kim, actor=SYSTEM)
    assert services.campaigns_evaluate_all() == (0, 2)
    assert steps_run_due(now=MONDAY_9 + timedelta(days=30)) == 0
    assert Execution.objects.filter(step__action="email").count() == 0
    assert Share.objects.filter(user__in=[sam, kim]).count() == 2  # what they received stays
    kinds = sorted(Event.objects.filter(campaign=campaign).values_list("kind", flat=True))
    assert kinds == ["joined", "joined", "left", "left"]


def test_rejoining_does_not_repeat_steps_already_run(in_acme, sales_pathway):
    sam = person("sam@acme.test", department="Sales")
    campaign = sales_campaign(sales_pathway)
    start_on_monday(campaign)
    steps_run_due(now=MONDAY_9)
    assert user_update(user=sam, changes={"department": "Marketing"}, actor=SYSTEM)
    services.campaigns_evaluate_all()
    sam.refresh_from_db()
    assert user_update(user=sam, changes={"department": "Sales"}, actor=SYSTEM)
    assert services.campaigns_evaluate_all() == (1, 0)
    steps_run_due(now=MONDAY_9)
    assert Execution.objects.filter(user=sam, step__action="share").count() == 1
    notices = [e for e in emails("sam@acme.test") if "shared" in e["subject"]]
    assert len(notices) == 1


def test_group_membership_and_joined_after_in_the_audience(in_acme, sales_pathway, sales_group):
    old = person("old@acme.test")
    new = person("new@acme.test")
    from accounts.models import User

    User.objects.filter(pk=old.pk).update(created=MONDAY_9 - timedelta(days=400))
    audience = f'groups.value eq "{sales_group.pk}" and meta.created gt "2026-01-01T00:00:00Z"'
    campaign = sales_campaign(sales_pathway, audience=audience)
    services.campaign_start(campaign=campaign)
    assert Enrolment.objects.count() == 0
    group_members_add(group=sales_group, user_ids=[old.pk, new.pk], actor=SYSTEM)
    services.campaigns_evaluate_all()
    assert list(Enrolment.objects.values_list("user_id", flat=True)) == [new.pk]


def test_pause_holds_due_steps_and_resume_runs_them_once(in_acme, sales_pathway):
    person("sam@acme.test", department="Sales")
    campaign = sales_campaign(sales_pathway)
    start_on_monday(campaign)
    services.campaign_pause(campaign=campaign)
    assert steps_run_due(now=MONDAY_9 + timedelta(days=5)) == 0
    with pytest.raises(CampaignRefused, match="Only a running campaign can be paused"):
        services.campaign_pause(campaign=campaign)
    services.campaign_resume(campaign=campaign)
    assert steps_run_due(now=MONDAY_9 + timedelta(days=5)) == 2  # the share and the email
    assert steps_run_due(now=MONDAY_9 + timedelta(days=6)) == 0


def test_a_draft_runs_nothing_and_another_organisation_sees_none_of_it(acme, sales_pathway):
    with schema_context("acme"):
        person("sam@acme.test", department="Sales")
        draft = sales_campaign(sales_pathway)
        assert steps_run_due(now=MONDAY_9) == 0
        assert Enrolment.objects.count() == 0
        services.campaign_start(campaign=draft)
    with schema_context("globex"):
        person("sal@globex.test", department="Sales")
        campaign = services.campaign_create(name="G", audience='department eq "Sales"')
        services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
        services.campaign_start(campaign=campaign)
        people = Enrolment.objects.values_list("user__user_name", flat=True)
        assert list(people) == ["sal@globex.test"]
        assert steps_run_due(now=MONDAY_9 + timedelta(days=1)) == 1
        assert connection.schema_name == "globex"
    with schema_context("acme"):
        assert Enrolment.objects.values_list("user__user_name", flat=True).get() == "sam@acme.test"


def test_step_inputs_are_checked(in_acme, sales_pathway):
    campaign = services.campaign_create(name="x", audience='department eq "Sales"')
    with pytest.raises(CampaignRefused, match="Unknown placeholder"):
        services.step_add(campaign=campaign, action="email", subject="{{password}}", body="b")
    with pytest.raises(CampaignRefused, match="Days into the campaign is from 0 to 3650"):
        services.step_add(campaign=campaign, action="email", days_in=5000, subject="s", body="b")
    with pytest.raises(CampaignRefused, match="Choose the resource or pathway"):
        services.step_add(campaign=campaign, action="share")
    with pytest.raises(CampaignRefused, match="Due in is from 1 to 365"):
        services.step_add(campaign=campaign, action="share", target=sales_pathway, due_days=0)
    with pytest.raises(CampaignRefused, match="Add at least one step"):
        services.campaign_start(campaign=campaign)


def test_a_refused_effect_is_recorded_as_failed_and_not_retried(in_acme):
    from accounts.services import user_create

    ghost = user_create(actor=SYSTEM, user_name="ghost", department="Sales")  # no address
    campaign = services.campaign_create(name="x", audience='department eq "Sales"')
    services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
    services.campaign_start(campaign=campaign)
    assert steps_run_due(now=MONDAY_9 + timedelta(days=1)) == 1
    assert steps_run_due(now=MONDAY_9 + timedelta(days=2)) == 0
    assert list(Execution.objects.values_list("user_id", "status", "detail")) == [
        (ghost.pk, "failed", "ghost has no email address.")
    ]
    assert not OutgoingEmail.objects.exists()
