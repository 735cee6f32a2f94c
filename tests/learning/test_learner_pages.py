"""The learner's pages: home, resource (mark complete, quiz), pathway, workspace; access."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from learning import services
from learning.models import Progress, QuizAttempt
from tests.learning.conftest import join, right_answers, signed_in, text_resource, wrong_answers

pytestmark = pytest.mark.django_db


def quiz_form(answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {f"q-{question}": options for question, options in answers.items()}


def test_home_lists_shared_items_with_due_date_and_progress(catalogue, bob, starters):
    join(bob, starters)
    services.share_create(target=catalogue.onboarding, group=starters, due="after", due_days=7)
    services.progress_complete(user=bob, resource=catalogue.intro, has_quiz=False)
    due = timezone.localdate() + timedelta(days=7)
    response = signed_in(bob).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="item-title">Onboarding</a>' in body
    assert f'data-testid="item-due">Due {due:%-d %b %Y}</span>' in body
    assert 'data-testid="item-progress">1 of 2</span>' in body
    assert f'href="/learn/resources/{catalogue.quiz.pk}?pathway={catalogue.onboarding.pk}"' in body
    assert "Continue where I left off" in body
    assert f'href="/learn/workspaces/{catalogue.open_space.pk}"' in body
    assert str(catalogue.private_space.pk) not in body


def test_home_keeps_working_for_admins_with_a_way_into_the_console(alice, catalogue):
    response = signed_in(alice).get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="org-name">Acme</dd>' in body
    assert 'href="/learning"' in body
    assert 'data-testid="my-learning-empty"' in body


def test_home_queries_are_bounded_whatever_the_number_of_items(catalogue, bob, starters):
    join(bob, starters)
    client = signed_in(bob)
    client.get("/")  # session and routing caches warm

    def count() -> int:
        with schema_context("acme"), CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    services.share_create(target=catalogue.onboarding, group=starters)
    services.share_create(target=catalogue.secret, user=bob)
    few = count()
    for i in range(200):
        resource = text_resource(catalogue.open_space, f"Lesson {i:03}")
        services.share_create(target=resource, group=starters, due="after", due_days=i + 1)
        if i % 2:
            services.progress_open(user=bob, resource=resource)
    many = count()
    # The statement timeout, session, user, the list (one statement) and the workspaces:
    # the same with 2 and with 202 items.
    assert few == many <= 5, (few, many)
    body = signed_in(bob).get("/").content.decode()
    assert body.count('data-testid="item"') == 50
    assert '<a href="?all=1" data-testid="show-all">Show all 202 (152 more)</a>' in body
    body = signed_in(bob).get("/?all=1").content.decode()
    assert body.count('data-testid="item"') == 202
    assert 'data-testid="show-all"' not in body
    body = signed_in(bob).get("/?all=yes").content.decode()  # anything else: the first page
    assert body.count('data-testid="item"') == 50


def test_resource_page_marks_opened_and_complete(catalogue, bob):
    client = signed_in(bob)
    page = client.get(f"/learn/resources/{catalogue.intro.pk}")
    assert page.status_code == 200
    assert "<h1>Introduction</h1>" in page.content.decode()
    assert (
        "frame-src https://www.youtube-nocookie.com https://player.vimeo.com"
        in (page["Content-Security-Policy"])
    )
    done = client.post(f"/learn/resources/{catalogue.intro.pk}/complete")
    assert (done.status_code, done["Location"]) == (302, f"/learn/resources/{catalogue.intro.pk}")
    row = Progress.objects.get(user=bob, resource=catalogue.intro)
    assert row.opened_at is not None and row.completed_at is not None


def test_the_way_back_to_a_pathway_ignores_a_malformed_parameter(catalogue, bob):
    client = signed_in(bob)
    url = f"/learn/resources/{catalogue.intro.pk}"
    assert client.get(f"{url}?pathway=%3Cscript%3E").status_code == 200
    back = client.get(f"{url}?pathway={catalogue.onboarding.pk}").content.decode()
    assert f'href="/learn/pathways/{catalogue.onboarding.pk}"' in back


def test_titles_are_escaped_on_the_home_page(catalogue, bob):
    sly = text_resource(catalogue.open_space, '<script>alert("x")</script> & co')
    services.share_create(target=sly, user=bob)
    body = signed_in(bob).get("/").content.decode()
    assert "<script>alert" not in body
    assert ">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</a>" in body


def test_other_pages_keep_the_strict_csp(bob):
    response = signed_in(bob).get("/")
    assert "frame-src" not in response["Content-Security-Policy"]


def test_the_quiz_page_never_shows_which_options_are_correct(catalogue, bob):
    quiz = catalogue.quiz
    services.share_create(target=quiz, user=bob)
    body = signed_in(bob).get(f"/learn/resources/{quiz.pk}").content.decode()
    assert body.count('name="q-') == 5
    assert "correct" not in body.lower()
    assert not re.search(r"data-(correct|right)", body)


def test_fail_retry_pass_through_the_page(catalogue, bob):
    quiz = catalogue.quiz
    services.share_create(target=quiz, user=bob)
    client = signed_in(bob)
    failed = client.post(f"/learn/resources/{quiz.pk}/quiz", quiz_form(wrong_answers(quiz)))
    assert failed.status_code == 200
    assert "Not passed: 0 %" in failed.content.decode()
    passed = client.post(f"/learn/resources/{quiz.pk}/quiz", quiz_form(right_answers(quiz)))
    assert "Passed: 100 %" in passed.content.decode()
    assert list(QuizAttempt.objects.values_list("score", flat=True)) == [0, 100]


def test_a_quiz_without_retries_refuses_a_second_attempt_with_409(catalogue, bob):
    quiz = catalogue.quiz
    services.resource_update(resource=quiz, title=quiz.title, pass_mark=100, retries_allowed=False)
    services.share_create(target=quiz, user=bob)
    client = signed_in(bob)
    client.post(f"/learn/resources/{quiz.pk}/quiz", quiz_form(wrong_answers(quiz)))
    again = client.post(f"/learn/resources/{quiz.pk}/quiz", quiz_form(right_answers(quiz)))
    assert again.status_code == 409
    assert "can be taken once" in again.content.decode()
    assert QuizAttempt.objects.count() == 1


def test_bad_quiz_answers_get_400(catalogue, bob):
    services.share_create(target=catalogue.quiz, user=bob)
    response = signed_in(bob).post(
        f"/learn/resources/{catalogue.quiz.pk}/quiz", {f"q-{uuid.uuid4()}": "x"}
    )
    assert response.status_code == 400
    assert "not in this quiz" in response.content.decode()


def test_mark_complete_is_refused_on_a_quiz(catalogue, bob):
    services.share_create(target=catalogue.quiz, user=bob)
    response = signed_in(bob).post(f"/learn/resources/{catalogue.quiz.pk}/complete")
    assert response.status_code == 400
    assert not Progress.objects.filter(completed_at__isnull=False).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/learn/resources/{draft}",
        "/learn/resources/{secret}",
        "/learn/resources/{secret}/complete",
        "/learn/resources/{quiz}/quiz",
        "/learn/resources/{guess}",
        "/learn/pathways/{pathway}",
        "/learn/pathways/{guess}",
        "/learn/workspaces/{private}",
    ],
)
def test_guessed_ids_get_404(catalogue, bob, path):
    ids = {
        "draft": catalogue.draft.pk,
        "secret": catalogue.secret.pk,
        "quiz": catalogue.quiz.pk,
        "guess": uuid.uuid4(),
        "pathway": catalogue.onboarding.pk,
        "private": catalogue.private_space.pk,
    }
    client = signed_in(bob)
    url = path.format(**ids)
    response = client.post(url) if url.endswith(("complete", "quiz")) else client.get(url)
    assert response.status_code == 404
    assert not Progress.objects.exists() and not QuizAttempt.objects.exists()


def test_another_organisations_people_cannot_open_acme_resources(catalogue, gina):
    from tests.conftest import host_client

    client = host_client("globex")
    with schema_context("globex"):
        client.force_login(gina)
    assert client.get(f"/learn/resources/{catalogue.intro.pk}").status_code == 404
    assert client.get(f"/learn/workspaces/{catalogue.open_space.pk}").status_code == 404


def test_pathway_page_shows_states_and_progress(catalogue, bob):
    services.share_create(target=catalogue.onboarding, user=bob)
    client = signed_in(bob)
    page = client.get(f"/learn/pathways/{catalogue.onboarding.pk}").content.decode()
    assert re.findall(r'data-testid="step-state">(\w+)', page) == ["Open", "Locked"]
    assert f"/learn/resources/{catalogue.quiz.pk}" not in page  # locked: no link
    client.post(f"/learn/resources/{catalogue.intro.pk}/complete")
    page = client.get(f"/learn/pathways/{catalogue.onboarding.pk}").content.decode()
    assert re.findall(r'data-testid="step-state">(\w+)<', page) == ["Completed", "Open"]
    assert 'data-testid="pathway-progress">1 of 2 completed (50 %)' in page
    client.post(
        f"/learn/resources/{catalogue.quiz.pk}/quiz", quiz_form(right_answers(catalogue.quiz))
    )
    page = client.get(f"/learn/pathways/{catalogue.onboarding.pk}").content.decode()
    assert re.findall(r'data-testid="step-state">(\w+)<', page) == ["Completed", "Passed"]


def test_workspace_page_lists_published_resources_only(catalogue, bob):
    body = signed_in(bob).get(f"/learn/workspaces/{catalogue.open_space.pk}").content.decode()
    assert "Introduction" in body and "Unfinished" not in body


def test_signed_out_visitors_go_to_sign_in(catalogue, acme_client):
    response = acme_client.get(f"/learn/resources/{catalogue.intro.pk}")
    assert response.status_code == 302 and response["Location"].startswith("/login")
