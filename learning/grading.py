"""Quiz grading, on the server. The browser gets questions and options, never which are
correct; after a submission it learns only which questions it got right."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from learning import limits
from learning.models import Element, Progress, Question, QuizAttempt, Resource
from learning.selectors import quiz_of, resource_for_learner
from learning.services import LearningRefused, enrolments_record


class QuizNotFound(LookupError):
    """No such quiz for this person (unknown, draft, private, locked, or no quiz): a 404."""


class RetryRefused(LearningRefused):
    """The quiz allows no retries and this person has already taken it: a 409."""


@dataclass(frozen=True)
class QuizResult:
    score: int
    passed: bool
    pass_mark: int
    right: dict[str, bool]  # question id -> answered right
    attempts: int
    can_retry: bool


def _answers(raw: dict[str, Any], quiz: Element) -> dict[str, list[str]]:
    """Chosen option ids per question, checked against this quiz (400 on anything else)."""
    if len(raw) > limits.QUESTIONS_PER_QUIZ_MAX:
        raise LearningRefused("Too many answers.")
    questions = {str(q.pk): q for q in quiz.questions.all()}
    cleaned: dict[str, list[str]] = {}
    for key, chosen in raw.items():
        question = questions.get(str(key))
        if question is None:
            raise LearningRefused("An answer names a question that is not in this quiz.")
        chosen_list = [str(c) for c in (chosen if isinstance(chosen, list) else [chosen])]
        if len(chosen_list) > limits.OPTIONS_PER_QUESTION_MAX:
            raise LearningRefused("Too many options chosen.")
        known = {str(o.pk) for o in question.options.all()}
        if not set(chosen_list) <= known:
            raise LearningRefused("An answer names an option that is not in its question.")
        if question.kind == Question.Kind.SINGLE and len(set(chosen_list)) > 1:
            raise LearningRefused("A single-choice question takes one option.")
        cleaned[str(key)] = sorted(set(chosen_list))
    return cleaned


def grade(quiz: Element, answers: dict[str, list[str]]) -> tuple[int, dict[str, bool]]:
    """Percent of questions answered exactly right (all right options, no wrong one)."""
    right: dict[str, bool] = {}
    for question in quiz.questions.all():
        correct = sorted(str(o.pk) for o in question.options.all() if o.correct)
        right[str(question.pk)] = answers.get(str(question.pk), []) == correct
    total = len(right)
    return (round(100 * sum(right.values()) / total) if total else 0), right


@transaction.atomic
def quiz_submit(*, user: User, resource_id: object, answers: dict[str, Any]) -> QuizResult:
    """Grade one attempt and record it with the person's progress.

    The first attempt completes the resource; the first pass also sets `passed_at`. The
    person's Progress row is locked, so two submissions at once cannot both be "first"."""
    resource = resource_for_learner(user=user, resource_id=resource_id)
    if resource is None:
        raise QuizNotFound("No such quiz.")
    quiz = quiz_of(resource)
    if quiz is None:
        raise QuizNotFound("This resource has no quiz.")
    if not isinstance(answers, dict):
        raise LearningRefused("Answers are a map of question ids to option ids.")
    cleaned = _answers(answers, quiz)
    Progress.objects.get_or_create(user=user, resource=resource)
    enrolments_record(user=user, resource=resource)
    progress = Progress.objects.select_for_update().get(user=user, resource=resource)
    previous = QuizAttempt.objects.filter(user=user, resource=resource).count()
    if previous and not resource.retries_allowed:
        raise RetryRefused("This quiz can be taken once, and you have taken it.")
    score, right = grade(quiz, cleaned)
    passed = score >= resource.pass_mark
    QuizAttempt.objects.create(
        user=user, resource=resource, score=score, passed=passed, answers=cleaned
    )
    now = timezone.now()
    progress.opened_at = progress.opened_at or now
    progress.completed_at = progress.completed_at or now
    if passed and progress.passed_at is None:
        progress.passed_at = now
    progress.best_score = max(progress.best_score or 0, score)
    progress.save()
    return QuizResult(
        score=score,
        passed=passed,
        pass_mark=resource.pass_mark,
        right=right,
        attempts=previous + 1,
        can_retry=resource.retries_allowed,
    )


def attempts_of(*, user: User, resource: Resource) -> list[QuizAttempt]:
    return list(QuizAttempt.objects.filter(user=user, resource=resource))
