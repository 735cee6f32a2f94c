"""Only organisations that follow provisioning listen to it: without a started campaign or a
group share, SCIM's writes open no transaction for the hook and tell nobody."""

from contextlib import nullcontext

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts import hooks
from accounts.actors import SYSTEM
from accounts.models import Group
from accounts.services import group_members_add
from campaigns import interest, services
from campaigns.interest import group_shared, organisation_interested
from campaigns.models import Campaign
from learning.models import Share
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


def _groups(*names: str) -> list[Group]:
    return [Group.objects.create(display_name=name) for name in names]


def _ticks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'campaigns.tick'")
        return cursor.fetchone()[0]


def test_a_joiner_of_a_shared_group_is_followed_without_asking_the_database(acme, settings):
    settings.CAMPAIGNS_INTEREST_SECONDS = 60
    with schema_context("acme"):
        shared, other = _groups("New", "Old")
        share_create(target=published("Handbook"), group=shared)  # this process forgets at once
        bob, cy = person("bob@acme.test"), person("cy@acme.test")
        assert organisation_interested("members_added") is True  # read once, then kept
        with CaptureQueriesContext(connection) as to_other:
            group_members_add(group=other, user_ids=[bob.pk], actor=SYSTEM)
        assert _ticks() == 0  # joining a group without a share: no notice owed
        with CaptureQueriesContext(connection) as to_shared:
            group_members_add(group=shared, user_ids=[cy.pk], actor=SYSTEM)
        assert _ticks() == 1  # cy's share notice follows
        assert (group_shared(shared.pk), group_shared(other.pk)) == (True, False)
    asked = [q["sql"] for q in to_other.captured_queries + to_shared.captured_queries]
    assert [sql for sql in asked if "learning_share" in sql] == []


def test_a_group_shared_by_another_process_is_seen_once_the_answer_expires(acme, settings):
    settings.CAMPAIGNS_INTEREST_SECONDS = 60
    with schema_context("acme"):
        first, later = _groups("A", "B")
        share_create(target=published("Handbook"), group=first)
        assert (group_shared(first.pk), group_shared(later.pk)) == (True, False)
        # As another process would: no signal reaches this one.
        Share.objects.bulk_create([Share(resource=published("Safety"), group=later)])
        assert group_shared(later.pk) is False  # still the kept answer
        settings.CAMPAIGNS_INTEREST_SECONDS = 0
        assert group_shared(later.pk) is True


def test_past_the_kept_count_the_database_answers(acme, settings, monkeypatch):
    settings.CAMPAIGNS_INTEREST_SECONDS = 60
    monkeypatch.setattr(interest, "SHARED_GROUPS_KEPT", 1)
    with schema_context("acme"):
        one, two, bare = (Group.objects.create(display_name=n) for n in ("1", "2", "3"))
        handbook = published("Handbook")
        share_create(target=handbook, group=one)
        share_create(target=handbook, group=two)
        assert organisation_interested("members_added") is True
        with CaptureQueriesContext(connection) as asked:
            answers = [group_shared(g.pk) for g in (one, two, bare)]
        assert answers == [True, True, False]
        assert len(asked.captured_queries) == 3  # one EXISTS each: the set was not kept
        assert interest._known["acme"][2] is None


def test_shared_groups_are_per_organisation(acme, globex, settings):
    settings.CAMPAIGNS_INTEREST_SECONDS = 60
    with schema_context("globex"):
        theirs = Group.objects.create(display_name="New starters")
        share_create(target=published("Handbook"), group=theirs)
        assert group_shared(theirs.pk) is True
    with schema_context("acme"):
        assert organisation_interested("members_added") is False
        assert group_shared(theirs.pk) is False
