""" "Enforce order" through /api/v1: a step of an enforce-order pathway shared with the
caller is locked for them even in an open workspace (403 naming the step to complete first,
as the pages answer, on the resource, progress and quiz attempts; nothing stored), and opens
once the step before it is completed. Hidden resources stay 404."""

import pytest

from learning import services
from learning.models import Pathway, Progress, QuizAttempt, Resource
from tests.learning.conftest import Catalogue, quiz_resource, right_answers

pytestmark = pytest.mark.django_db

NOT_FOUND = {"status": 404, "message": "Not found."}
LOCKED = {
    "status": 403,
    "message": "Locked: complete “Introduction” first."
    " “Safety first” opens its resources in order.",
}


@pytest.fixture
def drill(catalogue: Catalogue) -> Resource:
    return quiz_resource(catalogue.open_space, "Fire drill")


@pytest.fixture
def safety(catalogue: Catalogue, drill: Resource) -> Pathway:
    pathway = services.pathway_create(name="Safety first", enforce_order=True)
    services.pathway_step_add(pathway=pathway, resource=catalogue.intro)
    services.pathway_step_add(pathway=pathway, resource=drill)
    return pathway


def test_a_locked_step_in_an_open_workspace_is_403_until_its_turn(
    catalogue, drill, safety, bob, bob_api, carol_api
):
    assert bob_api.get(f"/resources/{drill.pk}").status_code == 200  # browsable until assigned
    services.share_create(target=safety, user=bob)

    for path in [
        f"/resources/{drill.pk}",
        f"/me/progress/{drill.pk}",
        f"/resources/{drill.pk}/quiz-attempts",
    ]:
        response = bob_api.get(path)
        assert (response.status_code, response.json()) == (403, LOCKED), path
    response = bob_api.post(f"/me/progress/{drill.pk}", {"action": "open"})
    assert (response.status_code, response.json()) == (403, LOCKED)
    response = bob_api.post(
        f"/resources/{drill.pk}/quiz-attempts", {"answers": right_answers(drill)}
    )
    assert (response.status_code, response.json()) == (403, LOCKED)
    response = bob_api.post(f"/resources/{drill.pk}/quiz-attempts", {"answers": "junk"})
    assert (response.status_code, response.json()) == (403, LOCKED)  # before the body
    hidden = bob_api.get(f"/resources/{catalogue.secret.pk}")  # private: still not found
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)
    assert not Progress.objects.filter(user=bob).exists()
    assert not QuizAttempt.objects.exists()
    # The list still names it, as the pathway page does: it is locked, not hidden.
    listed = bob_api.get(f"/resources?workspace={catalogue.open_space.pk}").json()
    assert [r["title"] for r in listed["results"]] == ["Introduction", "Fire drill"]
    pathway = bob_api.get(f"/pathways/{safety.pk}")
    assert pathway.status_code == 200

    # Carol is not given the pathway: the open workspace alone decides for her.
    assert carol_api.get(f"/resources/{drill.pk}").status_code == 200

    done = bob_api.post(f"/me/progress/{catalogue.intro.pk}", {"action": "complete"})
    assert done.status_code == 200 and done.json()["completed_at"] is not None
    assert bob_api.get(f"/resources/{drill.pk}").status_code == 200
    passed = bob_api.post(f"/resources/{drill.pk}/quiz-attempts", {"answers": right_answers(drill)})
    assert passed.status_code == 201
    assert (passed.json()["score"], passed.json()["passed"]) == (100, True)
    assert Progress.objects.get(user=bob, resource=drill).passed_at is not None
    item = bob_api.get("/me/learning").json()["results"][0]
    assert (item["title"], item["done"], item["total"]) == ("Safety first", 2, 2)
