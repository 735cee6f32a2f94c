"""An admin shares through the API; a member finds it in their learning, opens and
completes resources, takes the quiz (graded on the server), and the report shows it."""

import csv
import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import SYSTEM
from accounts.services import user_deactivate
from learning import services
from learning.models import Progress, QuizAttempt, Share
from tests.learning.conftest import join, quiz_resource, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


def test_an_admin_shares_a_pathway_with_a_group(catalogue, starters, alice_api):
    response = alice_api.post(
        "/shares",
        {
            "pathway": str(catalogue.onboarding.pk),
            "group": str(starters.pk),
            "due": "after",
            "due_days": 7,
        },
    )
    assert response.status_code == 201
    share = Share.objects.get()
    assert response.json() == {
        "id": str(share.pk),
        "resource": None,
        "pathway": str(catalogue.onboarding.pk),
        "group": str(starters.pk),
        "user": None,
        "due": "after",
        "due_date": None,
        "due_days": 7,
        "created": share.created.isoformat().replace("+00:00", "Z"),
    }
    listed = alice_api.get(f"/shares?pathway={catalogue.onboarding.pk}").json()
    assert [row["id"] for row in listed["results"]] == [str(share.pk)]
    assert alice_api.get(f"/shares/{share.pk}").json() == response.json()
    assert alice_api.delete(f"/shares/{share.pk}").status_code == 204
    assert not Share.objects.exists()
    assert alice_api.get(f"/shares/{share.pk}").status_code == 404


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({}, 400, "Give one of resource or pathway."),
        ({"resource": "x", "user": "y"}, 400, "resource: Must be a valid UUID."),
        (
            {"pathway": "P", "group": "S", "due": "after"},
            400,
            "Days after receipt is from 1 to 3650.",
        ),
        (
            {"pathway": "P", "group": "S", "due": "after", "due_days": 99999},
            400,
            "due_days: Ensure this value is less than or equal to 3650.",
        ),
        ({"pathway": "P", "group": "S", "due": "fixed"}, 400, "Give the due date."),
        (
            {"pathway": "P", "group": "S", "due": "someday"},
            400,
            'due: "someday" is not a valid choice.',
        ),
        ({"resource": "D", "group": "S"}, 400, "Publish the resource before sharing it."),
        ({"pathway": "P", "group": "S", "user": "B"}, 400, "Give one of group or user."),
    ],
)
def test_bad_shares_are_400_with_a_message(
    catalogue, starters, bob, alice_api, body, status, message
):
    names = {
        "P": str(catalogue.onboarding.pk),
        "S": str(starters.pk),
        "B": str(bob.pk),
        "D": str(catalogue.draft.pk),
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = alice_api.post("/shares", body)
    assert response.status_code == status
    assert response.json()["message"] == message
    assert not Share.objects.exists()


def test_a_member_follows_a_shared_pathway_to_the_end(catalogue, starters, bob, alice_api, bob_api):
    alice_api.post(
        "/shares",
        {
            "pathway": str(catalogue.onboarding.pk),
            "group": str(starters.pk),
            "due": "after",
            "due_days": 7,
        },
    )
    assert bob_api.get("/me/learning").json()["count"] == 0
    join(bob, starters)
    items = bob_api.get("/me/learning").json()["results"]
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    assert [
        (i["kind"], i["title"], i["due"], i["status"], i["done"], i["total"]) for i in items
    ] == [("pathway", "Onboarding", due, "due_soon", 0, 2)]
    assert items[0]["continue_resource_id"] == str(catalogue.intro.pk)

    # Enforce order: the quiz is locked until the introduction is complete.
    quiz = catalogue.quiz.pk
    locked = bob_api.get(f"/resources/{quiz}")
    assert (locked.status_code, locked.json()) == (
        403,
        {
            "status": 403,
            "message": f"Locked: complete “{catalogue.intro.title}” first."
            f" “{catalogue.onboarding.name}” opens its resources in order.",
        },
    )
    steps = bob_api.get(f"/pathways/{catalogue.onboarding.pk}").json()["steps"]
    assert [s["state"] for s in steps] == ["open", "locked"]

    intro = catalogue.intro.pk
    opened = bob_api.post(f"/me/progress/{intro}", {"action": "open"})
    assert opened.status_code == 200
    assert opened.json()["opened_at"] is not None and opened.json()["completed_at"] is None
    done = bob_api.post(f"/me/progress/{intro}", {"action": "complete"})
    assert done.json()["completed_at"] is not None
    assert Progress.objects.get(user=bob, resource_id=intro).completed_at is not None

    # The quiz opens; it cannot be "marked complete", only taken.
    assert bob_api.get(f"/resources/{quiz}").status_code == 200
    refused = bob_api.post(f"/me/progress/{quiz}", {"action": "complete"})
    assert refused.status_code == 400
    assert refused.json() == {
        "status": 400,
        "message": "This resource is completed by taking its quiz.",
    }
    failed = bob_api.post(
        f"/resources/{quiz}/quiz-attempts", {"answers": wrong_answers(catalogue.quiz)}
    )
    assert failed.status_code == 201
    assert failed.json() | {"right": None} == {
        "score": 0,
        "passed": False,
        "pass_mark": 100,
        "right": None,
        "attempts": 1,
        "can_retry": True,
    }
    passed = bob_api.post(
        f"/resources/{quiz}/quiz-attempts", {"answers": right_answers(catalogue.quiz)}
    )
    assert passed.json()["score"] == 100 and passed.json()["passed"] is True
    assert set(passed.json()["right"].values()) == {True}
    attempts = bob_api.get(f"/resources/{quiz}/quiz-attempts").json()["results"]
    assert [(a["score"], a["passed"]) for a in attempts] == [(0, False), (100, True)]
    item = bob_api.get("/me/learning").json()["results"][0]
    assert (item["status"], item["done"], item["percent"]) == ("completed", 2, 100)

    report = alice_api.get(f"/reports/pathways/{catalogue.onboarding.pk}")
    assert report.status_code == 200
    row = report.json()["results"][0]
    assert (row["user_name"], row["done"], row["total"], row["status"], row["due"]) == (
        "bob@acme.test",
        2,
        2,
        "completed",
        due,
    )
    assert row["completed_at"] is not None


def test_a_quiz_without_retries_is_taken_once(catalogue, bob, bob_api):
    once = quiz_resource(catalogue.open_space, "Once only", retries=False)
    path = f"/resources/{once.pk}/quiz-attempts"
    assert bob_api.post(path, {"answers": wrong_answers(once)}).status_code == 201
    response = bob_api.post(path, {"answers": right_answers(once)})
    assert response.status_code == 409
    assert response.json() == {
        "status": 409,
        "message": "This quiz can be taken once, and you have taken it.",
    }
    assert list(QuizAttempt.objects.filter(user=bob).values_list("passed", flat=True)) == [False]


@pytest.mark.parametrize(
    "answers, message",
    [
        ("nope", 'answers: Expected a dictionary of items but got type "str".'),
        ({"1": "x"}, 'answers: 1: Expected a list of items but got type "str".'),
        ({"999999": ["1"]}, "An answer names a question that is not in this quiz."),
        ({str(n): [] for n in range(51)}, "answers: At most 50 answers."),
        ({"1": ["a"] * 11}, "answers: 1: Ensure this field has no more than 10 elements."),
    ],
)
def test_bad_answers_are_400(catalogue, bob_api, answers, message):
    quiz = quiz_resource(catalogue.open_space, "Open quiz")
    response = bob_api.post(f"/resources/{quiz.pk}/quiz-attempts", {"answers": answers})
    assert response.status_code == 400
    assert response.json()["message"] == message
    assert not QuizAttempt.objects.exists()


def test_the_report_leaves_out_deactivated_people_and_keeps_their_progress(
    catalogue, starters, bob, carol, alice_api
):
    services.share_create(target=catalogue.onboarding, group=starters)
    join(bob, starters)
    join(carol, starters)
    services.progress_complete(user=carol, resource=catalogue.intro, has_quiz=False)
    rows = alice_api.get(f"/reports/pathways/{catalogue.onboarding.pk}").json()["results"]
    assert [(r["user_name"], r["done"], r["status"]) for r in rows] == [
        ("bob@acme.test", 0, "not_started"),
        ("carol@acme.test", 1, "in_progress"),
    ]
    user_deactivate(user=carol, actor=SYSTEM)
    rows = alice_api.get(f"/reports/pathways/{catalogue.onboarding.pk}").json()["results"]
    assert [r["user_name"] for r in rows] == ["bob@acme.test"]
    assert Progress.objects.filter(user=carol).count() == 1


def test_the_report_streams_the_same_rows_as_csv(catalogue, starters, bob, carol, alice_api):
    services.share_create(
        target=catalogue.onboarding,
        group=starters,
        due="fixed",
        due_date=timezone.localdate() - timedelta(days=1),
    )
    services.share_create(target=catalogue.onboarding, user=carol)
    join(bob, starters)
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    path = f"/reports/pathways/{catalogue.onboarding.pk}"
    rows = alice_api.get(path).json()["results"]
    response = alice_api.get(path, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="pathway-{catalogue.onboarding.pk}.csv"'
    )
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    # The console's CSV: its "completed" column is the JSON's "done".
    columns = ("user_name", "name", "due", "done", "total", "status", "completed_at")
    as_text = [tuple("" if r[c] is None else str(r[c]) for c in columns) for r in rows]
    csv_columns = [{"done": "completed"}.get(c, c) for c in columns]
    assert [tuple(r[c] for c in csv_columns) for r in table] == as_text
    assert [(r["user_name"], r["completed"], r["status"]) for r in table] == [
        ("bob@acme.test", "1", "overdue"),
        ("carol@acme.test", "0", "not_started"),
    ]


def test_csv_cells_cannot_run_as_formulas(catalogue, alice_api):
    from accounts.services import user_create

    mallory = user_create(
        actor=SYSTEM, user_name="=cmd@acme.test", email="m@acme.test", password="x" * 20
    )
    services.share_create(target=catalogue.onboarding, user=mallory)
    response = alice_api.get(
        f"/reports/pathways/{catalogue.onboarding.pk}", headers={"Accept": "text/csv"}
    )
    body = b"".join(response.streaming_content).decode()
    assert "\r\n'=cmd@acme.test," in body


def test_errors_of_a_csv_request_are_json(bob_api, alice_api):
    response = bob_api.get(f"/reports/pathways/{uuid.uuid4()}", headers={"Accept": "text/csv"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json; charset=utf-8"
    response = alice_api.get(f"/reports/pathways/{uuid.uuid4()}", headers={"Accept": "text/csv"})
    assert (response.status_code, response.json()) == (
        404,
        {"status": 404, "message": "Not found."},
    )


def test_a_leaver_stays_in_the_report_with_their_progress(catalogue, starters, bob, alice_api):
    services.share_create(target=catalogue.onboarding, group=starters)
    membership = join(bob, starters)
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    membership.delete()
    path = f"/reports/pathways/{catalogue.onboarding.pk}"
    rows = alice_api.get(path).json()["results"]
    assert [(r["user_name"], r["done"], r["total"], r["percent"], r["status"]) for r in rows] == [
        ("bob@acme.test", 1, 2, 50, "left")
    ]
    assert alice_api.get(f"{path}?status=left").json()["count"] == 1
    assert alice_api.get(f"{path}?status=completed").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    response = alice_api.get(f"{path}?status=nope")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "status: One of completed, overdue, in_progress, not_started, left."
    )
    for page, status in [("2", 404), ("0", 404), ("x", 400)]:
        response = alice_api.get(f"{path}?page={page}")
        assert (response.status_code, response.json()["status"]) == (status, status), page
