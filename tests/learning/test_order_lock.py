""" "Enforce order" holds wherever a step is opened: a resource that is a step of an
enforce-order pathway shared with the person stays locked for them on its resource page
even when its workspace is open to everyone, until the pathway reaches it. A share of the
resource itself opens it, and people the pathway is not shared with are not affected.

A locked step is shown as locked wherever the learner meets it (the pathway page, the
workspace page, its own address): never a link that leads nowhere, always what to complete
first."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from learning import services
from learning.models import Pathway, Progress, QuizAttempt, Resource
from learning.selectors import resource_for_learner
from tests.conftest import host_client
from tests.learning.conftest import (
    Catalogue,
    quiz_resource,
    right_answers,
    signed_in,
    text_resource,
)

pytestmark = pytest.mark.django_db


def quiz_form(answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {f"q-{question}": options for question, options in answers.items()}


LOCKED_DRILL = "Locked: complete “Introduction” first"


def locked_marker(response) -> str:
    """The locked page's one message."""
    body = response.content.decode()
    [marker] = re.findall(r'data-testid="locked">(.*?)</p>', body)
    return html.unescape(marker)


def workspace_list(response) -> list[tuple[str, str]]:
    """(title, "link" or the lock marker) for each resource listed on a workspace page."""
    body = response.content.decode()
    rows = re.findall(r"<li>(.*?)</li>", body)
    listed = []
    for row in rows:
        [title] = re.findall(r'data-testid="resource-title">(.*?)<', row)
        markers = re.findall(r'data-testid="lock">(.*?)</span>', row)
        linked = re.search(
            r'<a href="/learn/resources/[0-9a-f-]+" data-testid="resource-title">', row
        )
        assert bool(linked) != bool(markers), row  # a link or a lock, never both
        listed.append((html.unescape(title), "link" if linked else html.unescape(markers[0])))
    return listed


@pytest.fixture
def drill(catalogue: Catalogue) -> Resource:
    """A quiz in the open workspace, so that everyone can browse to it."""
    return quiz_resource(catalogue.open_space, "Fire drill")


@pytest.fixture
def safety(catalogue: Catalogue, drill: Resource) -> Pathway:
    """Introduction, then the fire drill, in that order."""
    pathway = services.pathway_create(name="Safety first", enforce_order=True)
    services.pathway_step_add(pathway=pathway, resource=catalogue.intro)
    services.pathway_step_add(pathway=pathway, resource=drill)
    return pathway


def test_a_locked_step_in_an_open_workspace_stays_locked_on_its_page(
    catalogue, drill, safety, bob, carol
):
    assert resource_for_learner(user=bob, resource_id=drill.pk) == drill  # not yet assigned
    services.share_create(target=safety, user=bob)
    client = signed_in(bob)

    page = client.get(f"/learn/resources/{drill.pk}")
    assert (page.status_code, locked_marker(page)) == (403, LOCKED_DRILL)
    submit = client.post(f"/learn/resources/{drill.pk}/quiz", quiz_form(right_answers(drill)))
    assert (submit.status_code, locked_marker(submit)) == (403, LOCKED_DRILL)
    complete = client.post(f"/learn/resources/{drill.pk}/complete")
    assert (complete.status_code, locked_marker(complete)) == (403, LOCKED_DRILL)
    assert not Progress.objects.filter(user=bob).exists()
    assert not QuizAttempt.objects.exists()
    workspace = client.get(f"/learn/workspaces/{catalogue.open_space.pk}")
    assert workspace.status_code == 200
    assert workspace_list(workspace) == [("Introduction", "link"), ("Fire drill", LOCKED_DRILL)]

    # Carol is not given the pathway: the workspace alone decides for her.
    assert signed_in(carol).get(f"/learn/resources/{drill.pk}").status_code == 200

    # Bob completes the step before it; the drill opens, and grading accepts it.
    assert client.post(f"/learn/resources/{catalogue.intro.pk}/complete").status_code == 302
    assert client.get(f"/learn/resources/{drill.pk}").status_code == 200
    workspace = client.get(f"/learn/workspaces/{catalogue.open_space.pk}")
    assert workspace_list(workspace) == [("Introduction", "link"), ("Fire drill", "link")]
    passed = client.post(f"/learn/resources/{drill.pk}/quiz", quiz_form(right_answers(drill)))
    assert passed.status_code == 200
    assert "Passed: 100 %" in passed.content.decode()
    row = Progress.objects.get(user=bob, resource=drill)
    assert row.opened_at is not None and row.passed_at is not None
    assert list(QuizAttempt.objects.filter(user=bob).values_list("score", flat=True)) == [100]


def test_a_share_of_the_resource_itself_opens_it(drill, safety, bob):
    services.share_create(target=safety, user=bob)
    assert resource_for_learner(user=bob, resource_id=drill.pk) is None
    services.share_create(target=drill, user=bob, due="after", due_days=7)
    page = signed_in(bob).get(f"/learn/resources/{drill.pk}")
    assert page.status_code == 200
    assert "<h1>Fire drill</h1>" in page.content.decode()


def test_another_pathway_with_the_step_open_opens_it(drill, safety, bob):
    services.share_create(target=safety, user=bob)
    refresher = services.pathway_create(name="Refresher", enforce_order=True)
    services.pathway_step_add(pathway=refresher, resource=drill)  # its first step
    assert signed_in(bob).get(f"/learn/resources/{drill.pk}").status_code == 403
    services.share_create(target=refresher, user=bob)
    assert signed_in(bob).get(f"/learn/resources/{drill.pk}").status_code == 200


def test_a_pathway_without_enforce_order_locks_nothing(drill, safety, bob):
    services.pathway_update(
        pathway=safety, name=safety.name, description="", enforce_order=False,
        lock_until_passed=False,
    )  # fmt: skip
    services.share_create(target=safety, user=bob)
    assert signed_in(bob).get(f"/learn/resources/{drill.pk}").status_code == 200


def test_a_locked_step_of_an_organisation_elsewhere_is_not_found(drill, safety, gina):
    client = host_client("globex")
    with schema_context("globex"):
        client.force_login(gina)
    assert client.get(f"/learn/resources/{drill.pk}").status_code == 404


def test_the_locked_page_names_the_pathway_and_reveals_no_content(catalogue, drill, safety, bob):
    services.share_create(target=safety, user=bob)
    page = signed_in(bob).get(f"/learn/resources/{drill.pk}")
    body = page.content.decode()
    assert page.status_code == 403
    assert "<h1>Fire drill</h1>" in body
    assert f'href="/learn/pathways/{safety.pk}"' in body
    assert "Go to the pathway" in body
    assert "Kind" not in body and "Rude" not in body  # no question, no option
    assert f"/learn/resources/{drill.pk}" not in body  # no link to it, no form posting to it


def test_a_locked_step_of_a_private_workspace_is_listed_locked_on_its_pathway_only(
    catalogue, bob, carol
):
    """The catalogue's quiz is in a workspace bob cannot browse: he meets it on the pathway
    page, locked, with what to complete first; carol, without the pathway, gets 404."""
    services.share_create(target=catalogue.onboarding, user=bob)
    client = signed_in(bob)
    page = client.get(f"/learn/pathways/{catalogue.onboarding.pk}").content.decode()
    states = re.findall(r'data-testid="step-state">(.*?)</span>', page)
    assert [html.unescape(s) for s in states] == [
        "Open",
        "Locked: complete “Introduction” first",
    ]
    assert f"/learn/resources/{catalogue.quiz.pk}" not in page  # locked: no link
    quiz = client.get(f"/learn/resources/{catalogue.quiz.pk}")
    assert (quiz.status_code, locked_marker(quiz)) == (
        403,
        "Locked: complete “Introduction” first",
    )
    assert signed_in(carol).get(f"/learn/resources/{catalogue.quiz.pk}").status_code == 404
    private = client.get(f"/learn/workspaces/{catalogue.private_space.pk}")
    assert private.status_code == 404


def test_each_locked_step_names_the_step_just_before_it(catalogue, drill, safety, bob):
    third = text_resource(catalogue.open_space, "Assembly point")
    services.pathway_step_add(pathway=safety, resource=third)
    services.share_create(target=safety, user=bob)
    workspace = signed_in(bob).get(f"/learn/workspaces/{catalogue.open_space.pk}")
    assert workspace_list(workspace) == [
        ("Introduction", "link"),
        ("Fire drill", LOCKED_DRILL),
        ("Assembly point", "Locked: complete “Fire drill” first"),
    ]


def test_a_locked_step_of_another_organisation_is_not_found_nor_listed(
    catalogue, drill, safety, bob, gina
):
    services.share_create(target=safety, user=bob)
    client = host_client("globex")
    with schema_context("globex"):
        client.force_login(gina)
    assert client.post(f"/learn/resources/{drill.pk}/complete").status_code == 404
    assert client.get(f"/learn/workspaces/{catalogue.open_space.pk}").status_code == 404
