"""Reports: completion by group and by person, overdue, the CSV, a person's learning."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import SYSTEM
from accounts.models import Membership, User
from accounts.services import user_deactivate
from learning import reports, services
from learning.grading import quiz_submit
from learning.models import Progress, Share
from tests.learning.conftest import join, member, right_answers, signed_in, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(catalogue, bob, carol, starters):
    """Onboarding shared with New starters (bob, carol), due 7 days after receipt; bob
    completes it (text, then the quiz failed once and passed), carol opens the text."""
    join(bob, starters)
    join(carol, starters)
    services.share_create(target=catalogue.onboarding, group=starters, due="after", due_days=7)
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    quiz = catalogue.quiz
    quiz_submit(user=bob, resource_id=quiz.pk, answers=wrong_answers(quiz))
    quiz_submit(user=bob, resource_id=quiz.pk, answers=right_answers(quiz))
    services.progress_open(user=carol, resource=catalogue.intro)
    return catalogue


def test_people_rows_and_summary(shared, bob, carol):
    scope = reports.scope_of(shared.onboarding)
    rows = reports.report_people(scope=scope)
    due = timezone.localdate() + timedelta(days=7)
    assert [(r.user_name, r.due, r.done, r.total, r.status) for r in rows] == [
        ("bob@acme.test", due, 2, 2, "completed"),
        ("carol@acme.test", due, 0, 2, "in_progress"),
    ]
    assert rows[0].completed_at is not None and rows[1].completed_at is None
    assert reports.report_summary(scope=scope) == {
        "completed": 1, "overdue": 0, "in_progress": 1, "not_started": 0, "left": 0, "people": 2,
    }  # fmt: skip


def test_the_page_in_one_statement_equals_the_separate_reads(shared, starters):
    scope = reports.scope_of(shared.onboarding)
    page = reports.report_page(scope=scope)
    assert page.summary == reports.report_summary(scope=scope)
    assert page.groups == reports.report_groups(scope=scope)
    assert page.rows == reports.report_people(scope=scope)
    only = reports.report_page(scope=scope, status="in_progress")
    assert [r.user_name for r in only.rows] == ["carol@acme.test"]
    assert reports.report_page(scope=scope, page=2).rows == []


def test_a_failed_quiz_does_not_count_with_lock_until_passed(catalogue, carol):
    services.share_create(target=catalogue.onboarding, user=carol)
    services.progress_complete(user=carol, resource=catalogue.intro, has_quiz=False)
    quiz_submit(user=carol, resource_id=catalogue.quiz.pk, answers=wrong_answers(catalogue.quiz))
    [row] = reports.report_people(scope=reports.scope_of(catalogue.onboarding))
    assert (row.done, row.status) == (1, "in_progress")


def test_overdue_by_group_and_leavers_and_deactivated_people(shared, bob, carol, starters):
    Share.objects.update(created=timezone.now() - timedelta(days=30))
    Membership.objects.update(created=timezone.now() - timedelta(days=30))
    dave = member("dave@acme.test")
    join(dave, starters)
    scope = reports.scope_of(shared.onboarding)
    assert [
        (g.name, g.members, g.completed, g.overdue) for g in reports.report_groups(scope=scope)
    ] == [
        ("New starters", 3, 1, 1),
    ]
    Membership.objects.filter(user__in=[bob, carol]).delete()  # bob and carol leave
    user_deactivate(user=dave, actor=SYSTEM)  # dave deactivated: out of the active report
    # Leavers who had made progress stay, marked as no longer shared; bob keeps his
    # completion. dave, who never started, is simply gone.
    assert [(r.user_name, r.done, r.status) for r in reports.report_people(scope=scope)] == [
        ("bob@acme.test", 2, "completed"),
        ("carol@acme.test", 0, "left"),
    ]
    assert [(g.members, g.completed) for g in reports.report_groups(scope=scope)] == [(0, 0)]
    assert Progress.objects.filter(user=carol).exists()


def test_report_page_csv_and_person_page(shared, alice, bob):
    client = signed_in(alice)
    page = client.get(f"/learning/reports/pathways/{shared.onboarding.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="completed-count">1<' in body
    assert body.count('data-testid="report-row"') == 2
    beyond = client.get(f"/learning/reports/pathways/{shared.onboarding.pk}?page=99&status=x")
    assert beyond.content.decode().count('data-testid="report-row"') == 2  # the last page
    response = client.get(f"/learning/reports/pathways/{shared.onboarding.pk}.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    assert lines[0] == [
        "user_name", "name", "received", "due", "completed", "total", "status", "completed_at",
    ]  # fmt: skip
    assert [line[:2] + line[3:7] for line in lines[1:]] == [
        ["bob@acme.test", "bob@acme.test", due, "2", "2", "completed"],
        ["carol@acme.test", "carol@acme.test", due, "0", "2", "in_progress"],
    ]
    person = client.get(f"/learning/people/{bob.pk}").content.decode()
    assert "Onboarding" in person and "Passed (100 %)" in person
    assert f'href="/learning/people/{bob.pk}"' in client.get(f"/people/{bob.pk}").content.decode()


def test_csv_cells_that_look_like_formulas_are_made_text(catalogue, alice):
    sly = User.objects.create(user_name="=cmd@acme.test", display_name="=HYPERLINK(1)")
    services.share_create(target=catalogue.intro, user=sly)
    response = signed_in(alice).get(f"/learning/reports/resources/{catalogue.intro.pk}.csv")
    [_, row] = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row[:2] == ["'=cmd@acme.test", "'=HYPERLINK(1)"]


def test_report_of_an_unknown_or_bad_id_is_404(alice, in_acme):
    client = signed_in(alice)
    assert (
        client.get("/learning/reports/pathways/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )
    assert (
        client.get("/learning/reports/widgets/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )
