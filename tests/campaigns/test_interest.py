"""Only organisations that follow provisioning listen to it: without a started campaign or a
group share, SCIM's writes open no transaction for the hook and tell nobody."""

from contextlib import nullcontext

import pytest
from django_tenants.utils import schema_context

from accounts import hooks
from accounts.models import Group
from campaigns import services
from campaigns.interest import organisation_interested
from campaigns.models import Campaign
from learning.services import share_create
from tests.campaigns.conftest import person, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    changes: list[hooks.Change] = []
    hooks.subscribe(changes.append, interested=organisation_interested)
    yield changes
    hooks.unsubscribe(changes.append)


def test_a_started_campaign_makes_the_organisation_listen(acme, settings, heard):
    settings.CAMPAIGNS_INTEREST_SECONDS = 60
    with schema_context("acme"):
        assert organisation_interested("attributes") is False
        assert isinstance(hooks.transaction_for_hooks("attributes"), nullcontext)
        person("quiet@acme.test", department="Sales")
        campaign = services.campaign_create(name="S", audience='department eq "Sales"')
        services.step_add(campaign=campaign, action="email", subject="Hi", body="Hi")
        person("draft@acme.test", department="Sales")
        assert heard == []  # a draft is not followed
        services.campaign_start(campaign=campaign)  # this process forgets at once
        for kind in ("attributes", "access", "members_added", "members_removed"):
            assert organisation_interested(kind) is True
        assert not isinstance(hooks.transaction_for_hooks("attributes"), nullcontext)
        sam = person("sam@acme.test", department="Sales")
    assert [(type(c).__name__, c.user_id) for c in heard] == [("AttributesChanged", sam.pk)]


def test_a_group_share_makes_the_organisation_listen(acme, settings):
    settings.CAMPAIGNS_INTEREST_SECONDS = 60
    with schema_context("acme"):
        assert organisation_interested("attributes") is False
        group = Group.objects.create(display_name="New starters")
        share_create(target=published("Welcome"), user=person("one@acme.test"))
        assert (
            organisation_interested("members_added") is False
        )  # shared with one person: no joiners
        share_create(target=published("Handbook"), group=group)
        # Only joiners get a share notice: other changes keep their single statement.
        assert organisation_interested("members_added") is True
        for kind in ("attributes", "access", "members_removed"):
            assert organisation_interested(kind) is False
            assert isinstance(hooks.transaction_for_hooks(kind), nullcontext)
        both = hooks.transaction_for_hooks("members_removed", "members_added")
        assert not isinstance(both, nullcontext)


def test_another_process_change_is_seen_once_the_answer_expires(acme, settings):
    with schema_context("acme"):
        settings.CAMPAIGNS_INTEREST_SECONDS = 60
        assert organisation_interested("attributes") is False
        # As another process would: no signal reaches this one.
        Campaign.objects.create(name="Elsewhere", audience="", status=Campaign.Status.RUNNING)
        assert organisation_interested("attributes") is False  # still the kept answer
        settings.CAMPAIGNS_INTEREST_SECONDS = 0
        assert organisation_interested("attributes") is True


def test_interest_is_per_organisation(acme, globex, settings):
    settings.CAMPAIGNS_INTEREST_SECONDS = 60
    with schema_context("globex"):
        Campaign.objects.create(name="G", audience="", status=Campaign.Status.RUNNING)
        assert organisation_interested("attributes") is True
    with schema_context("acme"):
        assert organisation_interested("attributes") is False
