"""learning.grading: the server grades; retries follow the resource; access first."""

import uuid

import pytest
from django_tenants.utils import schema_context

from learning import services
from learning.grading import QuizNotFound, RetryRefused, quiz_submit
from learning.models import Progress, QuizAttempt
from tests.learning.conftest import quiz_resource, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_quiz(catalogue):
    return quiz_resource(catalogue.open_space, "Open quiz")


def test_fail_then_pass_records_both_attempts_and_progress(open_quiz, bob):
    failed = quiz_submit(user=bob, resource_id=open_quiz.pk, answers=wrong_answers(open_quiz))
    assert (failed.score, failed.passed, failed.attempts, failed.can_retry) == (0, False, 1, True)
    progress = Progress.objects.get(user=bob, resource=open_quiz)
    assert progress.completed_at is not None and progress.passed_at is None
    passed = quiz_submit(user=bob, resource_id=open_quiz.pk, answers=right_answers(open_quiz))
    assert (passed.score, passed.passed, passed.attempts) == (100, True, 2)
    assert set(passed.right.values()) == {True}
    assert list(QuizAttempt.objects.filter(user=bob).values_list("score", "passed")) == [
        (0, False),
        (100, True),
    ]
    progress.refresh_from_db()
    assert (progress.passed_at is not None, progress.best_score) == (True, 100)


def test_half_right_scores_fifty_and_a_partial_multiple_choice_is_wrong(open_quiz, bob):
    answers = right_answers(open_quiz)
    first, second = list(answers)
    answers[second] = answers[second][:1]  # one of the two primes
    result = quiz_submit(user=bob, resource_id=open_quiz.pk, answers=answers)
    assert (result.score, result.passed, result.right) == (
        50, False, {first: True, second: False},
    )  # fmt: skip


def test_no_retry_when_the_resource_allows_none(catalogue, bob):
    once = quiz_resource(catalogue.open_space, "Once", retries=False)
    quiz_submit(user=bob, resource_id=once.pk, answers=wrong_answers(once))
    with pytest.raises(RetryRefused):
        quiz_submit(user=bob, resource_id=once.pk, answers=right_answers(once))
    assert QuizAttempt.objects.filter(user=bob).count() == 1


def test_grading_uses_the_access_selector(catalogue, bob):
    # The private workspace's quiz, a guessed id, and a resource without a quiz: all 404.
    for resource_id in [catalogue.quiz.pk, uuid.uuid4(), catalogue.intro.pk, "x"]:
        with pytest.raises(QuizNotFound):
            quiz_submit(user=bob, resource_id=resource_id, answers={})
    assert not QuizAttempt.objects.exists()


def test_another_organisation_cannot_grade_acme_quizzes(open_quiz, bob, globex):
    answers = right_answers(open_quiz)
    with schema_context("globex"), pytest.raises(QuizNotFound):
        quiz_submit(user=bob, resource_id=open_quiz.pk, answers=answers)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({str(uuid.uuid4()): []}, "not in this quiz"),
        ("not a map", "map of question ids"),
        ({str(i): [] for i in range(51)}, "Too many answers"),
    ],
)
def test_bad_answers_are_refused(open_quiz, bob, answers, message):
    with pytest.raises(services.LearningRefused, match=message):
        quiz_submit(user=bob, resource_id=open_quiz.pk, answers=answers)


def test_an_option_of_another_question_and_two_options_on_single_choice(open_quiz, bob):
    right = right_answers(open_quiz)
    single, multiple = list(right)
    with pytest.raises(services.LearningRefused, match="not in its question"):
        quiz_submit(user=bob, resource_id=open_quiz.pk, answers={single: right[multiple][:1]})
    options = [
        str(o.pk) for o in open_quiz.elements.get(kind="quiz").questions.first().options.all()
    ]
    with pytest.raises(services.LearningRefused, match="takes one option"):
        quiz_submit(user=bob, resource_id=open_quiz.pk, answers={single: options})
