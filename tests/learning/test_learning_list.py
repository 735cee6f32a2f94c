"""The learner's list, computed in one SQL statement, against the rules written out in
Python (learning_items_reference) and against the expected list for a mixed fixture."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Group, Membership
from learning import services
from learning.learning_list import workspace_rows
from learning.models import Progress, Resource, Share
from learning.selectors import (
    learning_items,
    learning_items_reference,
    learning_page,
    workspaces_visible,
)
from tests.learning.conftest import join, quiz_resource, text_resource

pytestmark = pytest.mark.django_db


def set_progress(user, resource, *, completed: bool = False, passed: bool = False) -> None:
    services.progress_open(user=user, resource=resource)
    now = timezone.now()
    Progress.objects.filter(user=user, resource=resource).update(
        completed_at=now if completed or passed else None, passed_at=now if passed else None
    )


def test_a_mixed_list_matches_the_rules_and_the_expected_order(catalogue, bob, starters):
    today = timezone.localdate()
    space, private = catalogue.open_space, catalogue.private_space
    leavers = Group.objects.create(display_name="Leavers")
    join(bob, starters)
    join(bob, leavers)
    r = {name: text_resource(space, name) for name in ["b late", "A late", "Soon", "Open", "New"]}
    quiz = quiz_resource(private, "Quiz")
    draft = text_resource(space, "Draft")  # made a draft again once in the pathway
    done = text_resource(space, "Done")
    # An ordered pathway whose quiz counts only when passed: the quiz is completed, not passed.
    ordered = services.pathway_create(name="Ordered", enforce_order=True, lock_until_passed=True)
    for step in (r["Open"], quiz, done, draft):
        services.pathway_step_add(pathway=ordered, resource=step)
    Resource.objects.filter(pk=draft.pk).update(status=Resource.Status.DRAFT)
    empty = services.pathway_create(name="Empty")
    finished = services.pathway_create(name="Finished")
    services.pathway_step_add(pathway=finished, resource=done)
    fixed = {"due": "fixed"}
    services.share_create(target=r["b late"], user=bob, due_date=today - timedelta(days=2), **fixed)
    services.share_create(target=r["A late"], user=bob, due_date=today - timedelta(days=2), **fixed)
    services.share_create(target=r["Soon"], group=starters, due="after", due_days=5)
    services.share_create(target=r["Soon"], user=bob, due_date=today + timedelta(days=30), **fixed)
    services.share_create(target=ordered, group=starters, due="after", due_days=10)
    services.share_create(target=r["New"], group=starters)
    services.share_create(target=empty, user=bob, due_date=today + timedelta(days=40), **fixed)
    services.share_create(target=finished, user=bob, due_date=today - timedelta(days=1), **fixed)
    services.share_create(target=done, user=bob)
    services.share_create(target=draft, user=bob)
    services.share_create(target=catalogue.secret, group=leavers)
    # Shared 30 days ago, joined 25 days ago, due 10 days after: due 15 days ago.
    long_ago = timezone.now() - timedelta(days=30)
    Share.objects.filter(pathway=ordered).update(created=long_ago)
    Membership.objects.filter(user=bob, group=starters).update(created=long_ago + timedelta(days=5))
    Membership.objects.filter(user=bob, group=leavers).delete()
    set_progress(bob, r["Open"], completed=True)
    set_progress(bob, quiz, completed=True)
    set_progress(bob, done, completed=True)
    set_progress(bob, r["New"])

    with CaptureQueriesContext(connection) as queries:
        items = learning_items(user=bob)
    assert len(queries) == 1
    ordered_due = timezone.localdate(long_ago + timedelta(days=15))
    rows = [
        (i.kind, i.title, i.status, i.due, i.done, i.total, i.started, i.continue_resource_id)
        for i in items
    ]
    assert rows == [
        ("pathway", "Ordered", "overdue", ordered_due, 2, 3, True, quiz.pk),
        ("resource", "A late", "overdue", today - timedelta(days=2), 0, 1, False, r["A late"].pk),
        ("resource", "b late", "overdue", today - timedelta(days=2), 0, 1, False, r["b late"].pk),
        ("resource", "Soon", "due_soon", today + timedelta(days=5), 0, 1, False, r["Soon"].pk),
        ("resource", "New", "in_progress", None, 0, 1, True, r["New"].pk),
        ("pathway", "Empty", "not_started", today + timedelta(days=40), 0, 0, False, None),
        ("pathway", "Finished", "completed", today - timedelta(days=1), 1, 1, True, None),
        ("resource", "Done", "completed", None, 1, 1, True, done.pk),
    ]  # fmt: skip
    assert items == learning_items_reference(user=bob)


def test_a_pathway_locked_after_an_unfinished_step_continues_at_that_step(catalogue, bob):
    first, second = (text_resource(catalogue.open_space, n) for n in ["One", "Two"])
    pathway = services.pathway_create(name="Strict", enforce_order=True)
    services.pathway_step_add(pathway=pathway, resource=first)
    services.pathway_step_add(pathway=pathway, resource=second)
    services.share_create(target=pathway, user=bob)
    set_progress(bob, second, completed=True)  # done out of order (e.g. shared on its own)
    [item] = learning_items(user=bob)
    assert (item.done, item.total, item.started, item.continue_resource_id) == (
        1, 2, True, first.pk,
    )  # fmt: skip
    assert [item] == learning_items_reference(user=bob)


def test_someone_with_nothing_shared_gets_an_empty_list(catalogue, bob, carol):
    services.share_create(target=catalogue.intro, user=carol)
    assert learning_items(user=bob) == []


def test_a_page_of_the_list_is_its_first_items_with_the_whole_count(catalogue, bob):
    for i in range(5):
        services.share_create(target=text_resource(catalogue.open_space, f"R{i}"), user=bob)
    everything = learning_items(user=bob)
    assert [i.title for i in everything] == ["R0", "R1", "R2", "R3", "R4"]
    assert learning_page(user=bob, limit=3) == (everything[:3], 5)
    assert learning_page(user=bob, limit=None) == (everything, 5)
    assert learning_page(user=bob, limit=0) == ([], 0)  # no row carries the count


def test_the_homes_workspace_rows_are_the_workspaces_visible(catalogue, bob, carol, starters):
    """learning_list.workspace_rows (one plain statement) against the ORM selector."""
    given_to_group = services.workspace_create(name="Given to starters", visibility="private")
    given_to_bob = services.workspace_create(name="Given to Bob", visibility="private")
    services.workspace_access_set(workspace=given_to_group, groups=[starters], users=[])
    services.workspace_access_set(workspace=given_to_bob, groups=[], users=[bob])
    join(bob, starters)

    def rows(user) -> list[tuple]:
        return [tuple(row) for row in workspace_rows(user_id=user.pk)]

    def reference(user) -> list[tuple]:
        return [(w.pk, w.name, w.visibility) for w in workspaces_visible(user=user)]

    assert (
        rows(bob)
        == reference(bob)
        == [
            (given_to_bob.pk, "Given to Bob", "private"),
            (given_to_group.pk, "Given to starters", "private"),
            (catalogue.open_space.pk, "Welcome", "open"),
        ]
    )
    assert rows(carol) == reference(carol) == [(catalogue.open_space.pk, "Welcome", "open")]
    Membership.objects.filter(user=bob, group=starters).delete()  # he leaves the group
    assert (
        [r[1] for r in rows(bob)] == ["Given to Bob", "Welcome"] == [r[1] for r in reference(bob)]
    )
