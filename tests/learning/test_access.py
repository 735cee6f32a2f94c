"""learning.selectors: what a person can see, through workspaces, shares and pathways."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership
from accounts.services import group_delete, user_delete
from learning import services
from learning.models import Progress, Share
from learning.selectors import (
    learning_items,
    pathways_visible,
    resource_for_learner,
    resources_visible,
    workspaces_visible,
)
from tests.learning.conftest import join, right_answers, text_resource

pytestmark = pytest.mark.django_db


def titles(resources) -> list[str]:
    return sorted(r.title for r in resources)


def test_a_member_sees_open_published_resources_only(catalogue, bob):
    assert titles(resources_visible(user=bob)) == ["Introduction"]
    assert [w.name for w in workspaces_visible(user=bob)] == ["Welcome"]
    assert resource_for_learner(user=bob, resource_id=catalogue.draft.pk) is None
    assert resource_for_learner(user=bob, resource_id=catalogue.secret.pk) is None


def test_a_private_workspace_given_to_a_group_opens_to_its_members_only(
    catalogue, bob, carol, starters
):
    services.workspace_access_set(workspace=catalogue.private_space, groups=[starters], users=[])
    join(bob, starters)
    assert titles(resources_visible(user=bob)) == ["Introduction", "Pay bands", "Safety quiz"]
    assert titles(resources_visible(user=carol)) == ["Introduction"]
    assert [w.name for w in workspaces_visible(user=bob)] == ["Managers", "Welcome"]


def test_a_private_workspace_given_to_a_person(catalogue, bob, carol):
    services.workspace_access_set(workspace=catalogue.private_space, groups=[], users=[carol])
    assert resource_for_learner(user=carol, resource_id=catalogue.secret.pk) == catalogue.secret
    assert resource_for_learner(user=bob, resource_id=catalogue.secret.pk) is None


def test_a_draft_stays_hidden_even_when_shared_or_in_a_given_workspace(catalogue, bob):
    # A share of a draft is refused, and a draft put back after sharing disappears.
    with pytest.raises(services.LearningRefused, match="Publish the resource"):
        services.share_create(target=catalogue.draft, user=bob)
    services.share_create(target=catalogue.secret, user=bob)
    assert resource_for_learner(user=bob, resource_id=catalogue.secret.pk) == catalogue.secret
    services.resource_unpublish(resource=catalogue.secret)
    assert resource_for_learner(user=bob, resource_id=catalogue.secret.pk) is None
    assert learning_items(user=bob) == []


def test_guessed_and_malformed_ids_find_nothing(catalogue, bob):
    for guess in [uuid.uuid4(), "not-a-uuid", "", "1 OR 1=1", catalogue.draft.pk]:
        assert resource_for_learner(user=bob, resource_id=guess) is None


def test_another_organisations_ids_find_nothing(catalogue, bob, globex):
    with schema_context("globex"):
        assert resource_for_learner(user=bob, resource_id=catalogue.intro.pk) is None


def test_a_pathway_share_opens_its_steps_in_order(catalogue, bob, starters):
    services.share_create(target=catalogue.onboarding, group=starters)
    assert list(pathways_visible(user=bob)) == []
    join(bob, starters)
    assert list(pathways_visible(user=bob)) == [catalogue.onboarding]
    # Enforce order: the quiz (private workspace, reached only through the pathway) is
    # locked until the introduction is completed.
    assert resource_for_learner(user=bob, resource_id=catalogue.quiz.pk) is None
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    assert resource_for_learner(user=bob, resource_id=catalogue.quiz.pk) == catalogue.quiz


def test_a_group_share_follows_membership_and_keeps_progress(catalogue, bob, starters):
    services.share_create(target=catalogue.onboarding, group=starters, due="after", due_days=7)
    membership = join(bob, starters)
    [item] = learning_items(user=bob)
    assert (item.kind, item.title, item.total, item.done) == ("pathway", "Onboarding", 2, 0)
    assert item.due == timezone.localdate(membership.created + timedelta(days=7))
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    Membership.objects.filter(pk=membership.pk).delete()  # SCIM removes bob from the group
    assert learning_items(user=bob) == []
    assert Progress.objects.filter(user=bob, completed_at__isnull=False).count() == 1


def test_due_after_receipt_counts_from_the_later_of_share_and_joining(catalogue, bob, starters):
    join(bob, starters)
    share = services.share_create(target=catalogue.intro, group=starters, due="after", due_days=3)
    long_ago = timezone.now() - timedelta(days=30)
    Share.objects.filter(pk=share.pk).update(created=long_ago)
    Membership.objects.filter(user=bob).update(created=long_ago + timedelta(days=20))
    [item] = learning_items(user=bob)
    assert item.due == timezone.localdate(long_ago + timedelta(days=23))
    assert item.status == "overdue"


def test_the_earliest_due_date_wins_when_two_shares_reach_a_person(catalogue, bob, starters):
    join(bob, starters)
    soon = timezone.localdate() + timedelta(days=2)
    services.share_create(target=catalogue.intro, group=starters, due="after", due_days=30)
    services.share_create(target=catalogue.intro, user=bob, due="fixed", due_date=soon)
    [item] = learning_items(user=bob)
    assert (item.due, item.status) == (soon, "due_soon")


def test_home_order_overdue_due_soon_in_progress_not_started_completed(catalogue, bob):
    today = timezone.localdate()
    space = catalogue.open_space
    late, soon, started, fresh, done = (
        text_resource(space, name) for name in ["Late", "Soon", "Started", "Fresh", "Done"]
    )
    services.share_create(target=late, user=bob, due="fixed", due_date=today - timedelta(days=1))
    services.share_create(target=soon, user=bob, due="fixed", due_date=today + timedelta(days=3))
    services.share_create(target=started, user=bob)
    services.share_create(target=fresh, user=bob, due="fixed", due_date=today + timedelta(days=60))
    services.share_create(target=done, user=bob, due="fixed", due_date=today - timedelta(days=9))
    services.progress_open(user=bob, resource=started)
    services.progress_complete(user=bob, resource=done, has_quiz=False)
    assert [(i.title, i.status) for i in learning_items(user=bob)] == [
        ("Late", "overdue"),
        ("Soon", "due_soon"),
        ("Started", "in_progress"),
        ("Fresh", "not_started"),
        ("Done", "completed"),
    ]


def test_lock_until_passed_counts_a_quiz_only_when_passed(catalogue, bob):
    services.share_create(target=catalogue.onboarding, user=bob)
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    Progress.objects.create(user=bob, resource=catalogue.quiz, completed_at=timezone.now())
    [item] = learning_items(user=bob)
    assert (item.done, item.status, item.continue_resource_id) == (
        1, "in_progress", catalogue.quiz.pk,
    )  # fmt: skip
    Progress.objects.filter(resource=catalogue.quiz).update(passed_at=timezone.now())
    [item] = learning_items(user=bob)
    assert (item.done, item.percent, item.status) == (2, 100, "completed")
    assert right_answers(catalogue.quiz)  # the fixture quiz has answers


def test_deleted_people_lose_group_shares_and_keep_their_records(catalogue, bob, starters):
    join(bob, starters)
    services.share_create(target=catalogue.onboarding, group=starters)
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    user_delete(user=bob, actor=SYSTEM)
    assert learning_items(user=bob) == []
    assert Progress.objects.filter(user=bob).count() == 1


def test_a_deleted_group_takes_its_shares_with_it(catalogue, bob):
    group = Group.objects.create(display_name="Temporary")
    join(bob, group)
    services.share_create(target=catalogue.intro, group=group)
    services.workspace_access_set(workspace=catalogue.private_space, groups=[group], users=[])
    group_delete(group=group, actor=SYSTEM)  # as SCIM's DELETE /Groups/<id> does
    assert learning_items(user=bob) == []
    assert not Share.objects.exists()
    assert not catalogue.private_space.access.exists()
