""" "Enforce order" holds wherever a step is opened: a resource that is a step of an
enforce-order pathway shared with the person stays locked for them on its resource page
even when its workspace is open to everyone, until the pathway reaches it. A share of the
resource itself opens it, and people the pathway is not shared with are not affected."""

import pytest
from django_tenants.utils import schema_context

from learning import services
from learning.models import Pathway, Progress, QuizAttempt, Resource
from learning.selectors import resource_for_learner
from tests.conftest import host_client
from tests.learning.conftest import Catalogue, quiz_resource, right_answers, signed_in

pytestmark = pytest.mark.django_db


def quiz_form(answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {f"q-{question}": options for question, options in answers.items()}


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
    assert page.status_code == 404
    submit = client.post(f"/learn/resources/{drill.pk}/quiz", quiz_form(right_answers(drill)))
    assert submit.status_code == 404
    complete = client.post(f"/learn/resources/{drill.pk}/complete")
    assert complete.status_code == 404
    assert not Progress.objects.filter(user=bob).exists()
    assert not QuizAttempt.objects.exists()
    workspace = client.get(f"/learn/workspaces/{catalogue.open_space.pk}")
    assert workspace.status_code == 200 and "Fire drill" in workspace.content.decode()

    # Carol is not given the pathway: the workspace alone decides for her.
    assert signed_in(carol).get(f"/learn/resources/{drill.pk}").status_code == 200

    # Bob completes the step before it; the drill opens, and grading accepts it.
    assert client.post(f"/learn/resources/{catalogue.intro.pk}/complete").status_code == 302
    assert client.get(f"/learn/resources/{drill.pk}").status_code == 200
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
    assert signed_in(bob).get(f"/learn/resources/{drill.pk}").status_code == 404
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
