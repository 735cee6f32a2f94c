"""What members and admins reach through /api/v1: the access selector decides, guessed ids
find nothing, other organisations' ids are 404, and admin-only endpoints are 403 for
members before any id is looked up."""

import uuid

import pytest
from django_tenants.utils import schema_context

from api.services import api_token_create
from learning import services
from learning.grading import quiz_submit
from learning.models import Progress, QuizAttempt, Share
from tests.api.conftest import ApiClient, session_client
from tests.learning.conftest import join, right_answers, text_resource

pytestmark = pytest.mark.django_db

NOT_FOUND = {"status": 404, "message": "Not found."}
ADMINS_ONLY = {"status": 403, "message": "Only organisation admins can do this."}


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


def test_a_member_lists_only_what_they_may_see(catalogue, bob_api):
    response = bob_api.get("/resources")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    intro = catalogue.intro
    assert body["results"] == [
        {
            "id": str(intro.pk),
            "title": "Introduction",
            "workspace_id": str(catalogue.open_space.pk),
            "theme": None,
            "status": "published",
            "has_quiz": False,
            "pass_mark": 80,
            "retries_allowed": True,
            "published_at": intro.published_at.isoformat().replace("+00:00", "Z"),
            "updated": body["results"][0]["updated"],
        }
    ]
    assert [w["name"] for w in bob_api.get("/workspaces").json()["results"]] == ["Welcome"]
    assert bob_api.get("/pathways").json()["count"] == 0


def test_an_admin_lists_everything_drafts_included(catalogue, alice_api):
    titles = sorted(r["title"] for r in alice_api.get("/resources").json()["results"])
    assert titles == ["Introduction", "Pay bands", "Safety quiz", "Unfinished"]
    assert alice_api.get("/workspaces").json()["count"] == 2
    assert [p["name"] for p in alice_api.get("/pathways").json()["results"]] == ["Onboarding"]


@pytest.mark.parametrize("which", ["draft", "secret", "quiz", "random"])
def test_a_member_guessing_ids_gets_404(catalogue, bob_api, which):
    """Drafts, private content, steps locked in a pathway and made-up ids look the same."""
    resource_id = uuid.uuid4() if which == "random" else getattr(catalogue, which).pk
    for path in [
        f"/resources/{resource_id}",
        f"/me/progress/{resource_id}",
        f"/resources/{resource_id}/quiz-attempts",
    ]:
        response = bob_api.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
    response = bob_api.post(f"/me/progress/{resource_id}", {"action": "complete"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    response = bob_api.post(f"/resources/{resource_id}/quiz-attempts", {"answers": {}})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    for path in [
        f"/workspaces/{catalogue.private_space.pk}",
        f"/pathways/{catalogue.onboarding.pk}",
    ]:
        assert bob_api.get(path).status_code == 404


def test_malformed_ids_and_unknown_paths_are_json_404(bob_api):
    for path in ["/resources/not-a-uuid", "/resources/1%20OR%201=1", "/nothing", "/me/progress/"]:
        response = bob_api.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path


def test_other_organisations_ids_are_404(catalogue, alice_api, gina):
    with schema_context("globex"):
        gina_api = ApiClient("globex", api_token_create(user=gina, name="Globex")[1])
        for path in [
            f"/resources/{catalogue.intro.pk}",
            f"/workspaces/{catalogue.open_space.pk}",
            f"/pathways/{catalogue.onboarding.pk}",
            f"/reports/pathways/{catalogue.onboarding.pk}",
        ]:
            response = gina_api.get(path)
            assert (response.status_code, response.json()) == (404, NOT_FOUND), path
        assert gina_api.get("/resources").json()["count"] == 0
        response = gina_api.post(
            "/shares", {"resource": str(catalogue.intro.pk), "user": str(gina.pk)}
        )
        assert response.status_code == 400
        assert response.json()["errors"]["resource"][0]["message"] == "No such resource."


def test_members_never_receive_correct_answers(catalogue, bob_api, alice_api, bob):
    services.share_create(target=catalogue.quiz, user=bob)
    learner = bob_api.get(f"/resources/{catalogue.quiz.pk}")
    assert learner.status_code == 200
    quiz = [e for e in learner.json()["elements"] if e["kind"] == "quiz"][0]
    assert [q["text"] for q in quiz["questions"]] == ["2 + 2?", "Primes?"]
    assert quiz["questions"][0]["options"] == [
        {"id": o.pk, "text": o.text}
        for o in catalogue.quiz.elements.get(kind="quiz").questions.first().options.all()
    ]
    assert b"correct" not in learner.content
    admin = alice_api.get(f"/resources/{catalogue.quiz.pk}").json()
    admin_quiz = [e for e in admin["elements"] if e["kind"] == "quiz"][0]
    assert [o["correct"] for o in admin_quiz["questions"][0]["options"]] == [True, False]


def test_members_cannot_reach_admin_endpoints(catalogue, bob_api, bob):
    pathway = catalogue.onboarding.pk
    services.share_create(target=catalogue.onboarding, user=bob)
    for method, path, body in [
        ("get", "/shares", None),
        ("post", "/shares", {"resource": str(catalogue.intro.pk), "user": str(bob.pk)}),
        ("get", f"/shares/{uuid.uuid4()}", None),
        ("get", f"/reports/pathways/{pathway}", None),
        ("post", f"/resources/{catalogue.intro.pk}/elements", {"kind": "text"}),
        ("post", f"/pathways/{pathway}/steps", {"resource": str(catalogue.secret.pk)}),
    ]:
        response = getattr(bob_api, method)(path, body) if body else getattr(bob_api, method)(path)
        assert (response.status_code, response.json()) == (403, ADMINS_ONLY), path
    for method, path in [
        ("post", "/workspaces"),
        ("post", "/resources"),
        ("post", "/pathways"),
        ("patch", f"/resources/{catalogue.intro.pk}"),
    ]:
        response = getattr(bob_api, method)(path, {"name": "Mine", "title": "Mine"})
        assert response.status_code == 403, path
        assert response.json() == {
            "status": 403,
            "message": "Only organisation admins can change learning content.",
        }
    assert Share.objects.count() == 1


def test_other_peoples_attempts_and_progress_stay_theirs(catalogue, bob, carol, bob_api):
    services.share_create(target=catalogue.quiz, user=bob)
    services.share_create(target=catalogue.quiz, user=carol)
    quiz_submit(user=carol, resource_id=catalogue.quiz.pk, answers=right_answers(catalogue.quiz))
    attempts = bob_api.get(f"/resources/{catalogue.quiz.pk}/quiz-attempts")
    assert attempts.json() == {"count": 0, "next": None, "previous": None, "results": []}
    progress = bob_api.get(f"/me/progress/{catalogue.quiz.pk}")
    assert progress.json() == {
        "resource": str(catalogue.quiz.pk),
        "opened_at": None,
        "completed_at": None,
        "passed_at": None,
        "best_score": None,
    }
    assert QuizAttempt.objects.filter(user=carol).count() == 1


def test_the_session_works_and_unsafe_methods_need_csrf(catalogue, bob):
    client = session_client(bob, csrf_checks=True)
    response = client.get("/api/v1/resources")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    path = f"/api/v1/me/progress/{catalogue.intro.pk}"
    response = client.post(path, {"action": "open"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"status": 403, "message": "CSRF Failed: CSRF cookie not set."}
    assert not Progress.objects.filter(user=bob).exists()
    client.get("/profile/api-tokens")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        path, {"action": "open"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert Progress.objects.get(user=bob).opened_at is not None


def test_a_private_workspace_given_to_a_group_opens_through_the_api(
    catalogue, bob, starters, bob_api
):
    services.workspace_access_set(workspace=catalogue.private_space, groups=[starters], users=[])
    assert bob_api.get(f"/resources/{catalogue.secret.pk}").status_code == 404
    join(bob, starters)
    response = bob_api.get(f"/resources/{catalogue.secret.pk}")
    assert response.status_code == 200
    assert response.json()["elements"][0]["html"] == "<h1>Pay bands</h1>\n<p>Read me.</p>\n"
    extra = text_resource(catalogue.private_space, "Draft in private", publish=False)
    assert bob_api.get(f"/resources/{extra.pk}").status_code == 404
