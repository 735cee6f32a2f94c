"""Writes for resources: their elements, quiz questions, and publishing."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from learning import content, limits
from learning.models import Element, Option, Question, Resource, Theme, Workspace
from learning.services.inputs import LearningRefused, next_position, swap, text_field


def resource_create(*, workspace: Workspace, title: str, theme: Theme | None = None) -> Resource:
    if theme is not None and theme.workspace_id != workspace.pk:
        raise LearningRefused("That theme belongs to another workspace.")
    return Resource.objects.create(
        workspace=workspace,
        theme=theme,
        title=text_field(title, field="Title", max_length=limits.TITLE_MAX),
        position=next_position(workspace.resources.all()),
    )


def resource_update(
    *,
    resource: Resource,
    title: str,
    pass_mark: int,
    retries_allowed: bool,
    theme: Theme | None = None,
) -> Resource:
    if theme is not None and theme.workspace_id != resource.workspace_id:
        raise LearningRefused("That theme belongs to another workspace.")
    if not 0 <= pass_mark <= 100:
        raise LearningRefused("The pass mark is a percentage from 0 to 100.")
    resource.title = text_field(title, field="Title", max_length=limits.TITLE_MAX)
    resource.pass_mark = pass_mark
    resource.retries_allowed = retries_allowed
    resource.theme = theme
    resource.save(update_fields=["title", "pass_mark", "retries_allowed", "theme", "updated"])
    return resource


@transaction.atomic
def element_add(
    *, resource: Resource, kind: str, markdown: str = "", url: str = "", label: str = ""
) -> Element:
    """Append an element. Text is rendered and sanitised now; addresses are checked."""
    Resource.objects.select_for_update().filter(pk=resource.pk).first()  # one writer at a time
    if resource.elements.count() >= limits.ELEMENTS_PER_RESOURCE_MAX:
        raise LearningRefused(
            f"A resource has at most {limits.ELEMENTS_PER_RESOURCE_MAX} elements."
        )
    element = Element(resource=resource, kind=kind, position=next_position(resource.elements))
    try:
        if kind == Element.Kind.TEXT:
            element.markdown = text_field(markdown, field="Text", max_length=limits.MARKDOWN_MAX)
            element.html = content.markdown_to_html(element.markdown)
        elif kind == Element.Kind.VIDEO:
            element.url = content.video_url(url)
        elif kind == Element.Kind.LINK:
            element.url = content.link_url(url)
            element.label = text_field(label, field="Label", max_length=limits.TITLE_MAX)
        elif kind == Element.Kind.QUIZ:
            if resource.elements.filter(kind=Element.Kind.QUIZ).exists():
                raise LearningRefused("A resource has at most one quiz.")
        else:
            raise LearningRefused("An element is text, video, link or quiz.")
    except content.ContentRefused as refused:
        raise LearningRefused(str(refused)) from None
    element.save()
    return element


def element_delete(*, element: Element) -> None:
    element.delete()


@transaction.atomic
def element_move(*, element: Element, offset: int) -> None:
    """Swap an element with its neighbour (offset -1: up, +1: down)."""
    siblings = list(Element.objects.select_for_update().filter(resource_id=element.resource_id))
    swap(siblings, element.pk, offset)


@transaction.atomic
def question_add(
    *, element: Element, text: str, kind: str, options: Sequence[tuple[str, bool]]
) -> Question:
    """Add a question to a quiz: 2 to OPTIONS_PER_QUESTION_MAX options; a single-choice
    question has exactly one correct option, a multiple-choice one at least one."""
    if element.kind != Element.Kind.QUIZ:
        raise LearningRefused("Questions belong to a quiz element.")
    if kind not in Question.Kind.values:
        raise LearningRefused("A question is single or multiple choice.")
    if element.questions.count() >= limits.QUESTIONS_PER_QUIZ_MAX:
        raise LearningRefused(f"A quiz has at most {limits.QUESTIONS_PER_QUIZ_MAX} questions.")
    cleaned = [
        (text_field(t, field="Option", max_length=limits.OPTION_TEXT_MAX), bool(c))
        for t, c in options
        if str(t or "").strip()
    ]
    if not 2 <= len(cleaned) <= limits.OPTIONS_PER_QUESTION_MAX:
        raise LearningRefused(
            f"A question has from 2 to {limits.OPTIONS_PER_QUESTION_MAX} options."
        )
    right = sum(c for _, c in cleaned)
    if kind == Question.Kind.SINGLE and right != 1:
        raise LearningRefused("A single-choice question has exactly one correct option.")
    if kind == Question.Kind.MULTIPLE and right < 1:
        raise LearningRefused("A multiple-choice question has at least one correct option.")
    question = Question.objects.create(
        element=element,
        text=text_field(text, field="Question", max_length=limits.QUESTION_TEXT_MAX),
        kind=kind,
        position=next_position(element.questions.all()),
    )
    Option.objects.bulk_create(
        [
            Option(question=question, text=t, correct=c, position=i)
            for i, (t, c) in enumerate(cleaned)
        ]
    )
    return question


def question_delete(*, question: Question) -> None:
    question.delete()


def resource_publish(*, resource: Resource) -> Resource:
    """Publish: learners see it from now on. A resource needs content, a quiz questions."""
    elements = list(resource.elements.all())
    if not elements:
        raise LearningRefused("Add at least one element before publishing.")
    for element in elements:
        if element.kind == Element.Kind.QUIZ and not element.questions.exists():
            raise LearningRefused("The quiz needs at least one question before publishing.")
    resource.status = Resource.Status.PUBLISHED
    resource.published_at = resource.published_at or timezone.now()
    resource.save(update_fields=["status", "published_at", "updated"])
    return resource


def resource_unpublish(*, resource: Resource) -> Resource:
    """Back to draft: learners lose it at once; their progress is kept."""
    resource.status = Resource.Status.DRAFT
    resource.save(update_fields=["status", "updated"])
    return resource
