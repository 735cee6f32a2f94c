"""Writes for learning: content, sharing and progress. Quiz grading is in learning.grading.

Every input is checked against learning.limits here, so the console and the API refuse the
same things with the same message (LearningRefused, shown as a 400).
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import Group, User
from learning import content, limits, selectors
from learning.models import (
    Element,
    Enrolment,
    Option,
    Pathway,
    PathwayStep,
    Progress,
    Question,
    Resource,
    Share,
    Theme,
    Workspace,
    WorkspaceAccess,
)


class LearningRefused(ValueError):
    """An input learning cannot accept; the message is for the person who sent it."""


def _text(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise LearningRefused(f"{field} is required.")
    if len(text) > max_length:
        raise LearningRefused(f"{field} is limited to {max_length:,} characters.")
    if "\x00" in text:
        raise LearningRefused(f"{field} may not contain a NUL character.")
    return text


def _next_position(queryset: Any) -> int:
    highest = queryset.aggregate(m=Max("position"))["m"]
    return 0 if highest is None else highest + 1


# --- workspaces and themes ---


def workspace_create(*, name: str, visibility: str = "open", description: str = "") -> Workspace:
    if visibility not in Workspace.Visibility.values:
        raise LearningRefused("Visibility must be open or private.")
    return Workspace.objects.create(
        name=_text(name, field="Name", max_length=limits.TITLE_MAX),
        description=_text(
            description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
        ),
        visibility=visibility,
    )


def workspace_update(
    *, workspace: Workspace, name: str, visibility: str, description: str = ""
) -> Workspace:
    if visibility not in Workspace.Visibility.values:
        raise LearningRefused("Visibility must be open or private.")
    workspace.name = _text(name, field="Name", max_length=limits.TITLE_MAX)
    workspace.description = _text(
        description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
    )
    workspace.visibility = visibility
    workspace.save(update_fields=["name", "description", "visibility"])
    return workspace


@transaction.atomic
def workspace_access_set(
    *, workspace: Workspace, groups: Sequence[Group], users: Sequence[User]
) -> None:
    """Replace who is given a private workspace."""
    if len(groups) + len(users) > limits.ACCESS_ENTRIES_PER_WORKSPACE_MAX:
        raise LearningRefused(
            f"A workspace can be given to at most {limits.ACCESS_ENTRIES_PER_WORKSPACE_MAX}"
            " groups and people."
        )
    WorkspaceAccess.objects.filter(workspace=workspace).delete()
    WorkspaceAccess.objects.bulk_create(
        [WorkspaceAccess(workspace=workspace, group=g) for g in dict.fromkeys(groups)]
        + [WorkspaceAccess(workspace=workspace, user=u) for u in dict.fromkeys(users)]
    )


def theme_create(*, workspace: Workspace, name: str) -> Theme:
    if workspace.themes.count() >= limits.THEMES_PER_WORKSPACE_MAX:
        raise LearningRefused(f"A workspace has at most {limits.THEMES_PER_WORKSPACE_MAX} themes.")
    return Theme.objects.create(
        workspace=workspace,
        name=_text(name, field="Theme name", max_length=limits.TITLE_MAX),
        position=_next_position(workspace.themes.all()),
    )


# --- resources, elements, quiz questions ---


def resource_create(*, workspace: Workspace, title: str, theme: Theme | None = None) -> Resource:
    if theme is not None and theme.workspace_id != workspace.pk:
        raise LearningRefused("That theme belongs to another workspace.")
    return Resource.objects.create(
        workspace=workspace,
        theme=theme,
        title=_text(title, field="Title", max_length=limits.TITLE_MAX),
        position=_next_position(workspace.resources.all()),
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
    resource.title = _text(title, field="Title", max_length=limits.TITLE_MAX)
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
    element = Element(resource=resource, kind=kind, position=_next_position(resource.elements))
    try:
        if kind == Element.Kind.TEXT:
            element.markdown = _text(markdown, field="Text", max_length=limits.MARKDOWN_MAX)
            element.html = content.markdown_to_html(element.markdown)
        elif kind == Element.Kind.VIDEO:
            element.url = content.video_url(url)
        elif kind == Element.Kind.LINK:
            element.url = content.link_url(url)
            element.label = _text(label, field="Label", max_length=limits.TITLE_MAX)
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
    _swap(siblings, element.pk, offset)


def _swap(rows: list[Any], pk: object, offset: int) -> None:
    index = next(i for i, row in enumerate(rows) if row.pk == pk)
    other = index + offset
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])


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
        (_text(t, field="Option", max_length=limits.OPTION_TEXT_MAX), bool(c))
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
        text=_text(text, field="Question", max_length=limits.QUESTION_TEXT_MAX),
        kind=kind,
        position=_next_position(element.questions.all()),
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


# --- pathways ---


def pathway_create(
    *,
    name: str,
    description: str = "",
    enforce_order: bool = False,
    lock_until_passed: bool = False,
) -> Pathway:
    return Pathway.objects.create(
        name=_text(name, field="Name", max_length=limits.TITLE_MAX),
        description=_text(
            description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
        ),
        enforce_order=enforce_order,
        lock_until_passed=lock_until_passed,
    )


def pathway_update(
    *, pathway: Pathway, name: str, description: str, enforce_order: bool, lock_until_passed: bool
) -> Pathway:
    pathway.name = _text(name, field="Name", max_length=limits.TITLE_MAX)
    pathway.description = _text(
        description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
    )
    pathway.enforce_order = enforce_order
    pathway.lock_until_passed = lock_until_passed
    pathway.save()
    return pathway


@transaction.atomic
def pathway_step_add(*, pathway: Pathway, resource: Resource) -> PathwayStep:
    """Append a published resource (from any workspace) to the pathway."""
    Pathway.objects.select_for_update().filter(pk=pathway.pk).first()
    if not resource.is_published:
        raise LearningRefused("Only published resources can be added to a pathway.")
    if pathway.steps.count() >= limits.RESOURCES_PER_PATHWAY_MAX:
        raise LearningRefused(
            f"A pathway has at most {limits.RESOURCES_PER_PATHWAY_MAX} resources."
        )
    if pathway.steps.filter(resource=resource).exists():
        raise LearningRefused("That resource is already in the pathway.")
    return PathwayStep.objects.create(
        pathway=pathway, resource=resource, position=_next_position(pathway.steps.all())
    )


def pathway_step_remove(*, step: PathwayStep) -> None:
    step.delete()


@transaction.atomic
def pathway_step_move(*, step: PathwayStep, offset: int) -> None:
    _swap(list(PathwayStep.objects.select_for_update().filter(pathway_id=step.pathway_id)),
          step.pk, offset)  # fmt: skip


# --- sharing ---


def share_create(
    *,
    target: Resource | Pathway,
    group: Group | None = None,
    user: User | None = None,
    due: str = Share.Due.NONE,
    due_date: date | None = None,
    due_days: int | None = None,
) -> Share:
    """Share with one group or one person; sharing again with them replaces the due date.

    One row whatever the group's size: its members receive it through their membership."""
    if (group is None) == (user is None):
        raise LearningRefused("Share with one group or one person.")
    if isinstance(target, Resource) and not target.is_published:
        raise LearningRefused("Publish the resource before sharing it.")
    if due == Share.Due.FIXED:
        if due_date is None:
            raise LearningRefused("Give the due date.")
        due_days = None
    elif due == Share.Due.AFTER:
        if due_days is None or not 1 <= due_days <= limits.DUE_DAYS_MAX:
            raise LearningRefused(f"Days after receipt is from 1 to {limits.DUE_DAYS_MAX}.")
        due_date = None
    elif due == Share.Due.NONE:
        due_date = due_days = None
    else:
        raise LearningRefused("The due date is none, fixed or days after receipt.")
    key = {"resource": target} if isinstance(target, Resource) else {"pathway": target}
    key |= {"group": group} if group is not None else {"user": user}
    values = {"due": due, "due_date": due_date, "due_days": due_days}
    try:
        with transaction.atomic():
            share, _ = Share.objects.update_or_create(**key, defaults=values)
    except IntegrityError:  # a concurrent share of the same pair won; apply ours on top
        share = Share.objects.get(**key)
        Share.objects.filter(pk=share.pk).update(**values)
    return share


def share_delete(*, share: Share) -> None:
    """Unshare: recipients lose the item at once; their progress is kept."""
    share.delete()


# --- progress (the resource comes from learning.selectors.resource_for_learner) ---


def _progress_row(user: User, resource: Resource) -> Progress:
    progress, created = Progress.objects.get_or_create(user=user, resource=resource)
    if created:
        enrolments_record(user=user, resource=resource)
    return progress


def enrolments_record(*, user: User, resource: Resource) -> None:
    """Note, at a person's first progress on `resource`, which of their shared items it
    belongs to (itself, or pathways with it), with the due date they have now. Reports
    read these to keep a leaver's completion; two queries and one insert."""
    assignments = selectors.assignments_of(user=user)
    pathway_ids = {a.pathway_id for a in assignments if a.pathway_id}
    with_resource = set(
        PathwayStep.objects.filter(resource=resource, pathway_id__in=pathway_ids).values_list(
            "pathway_id", flat=True
        )
    ) if pathway_ids else set()  # fmt: skip
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                user=user,
                resource_id=a.resource_id,
                pathway_id=a.pathway_id,
                received=a.received,
                due=a.due,
            )
            for a in assignments
            if a.resource_id == resource.pk or a.pathway_id in with_resource
        ],
        ignore_conflicts=True,
    )


def progress_open(*, user: User, resource: Resource) -> Progress:
    """Note that the person opened the resource (the first time counts)."""
    progress = _progress_row(user, resource)
    if progress.opened_at is None:
        now = timezone.now()
        Progress.objects.filter(pk=progress.pk, opened_at__isnull=True).update(opened_at=now)
        progress.opened_at = now
    return progress


def progress_complete(*, user: User, resource: Resource, has_quiz: bool) -> Progress:
    """Mark as complete, for resources without a quiz (a quiz completes by its attempts)."""
    if has_quiz:
        raise LearningRefused("This resource is completed by taking its quiz.")
    progress = _progress_row(user, resource)
    enrolments_record(user=user, resource=resource)  # also when shared after it was opened
    now = timezone.now()
    Progress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
        completed_at=now, opened_at=F("opened_at") if progress.opened_at else now
    )
    progress.refresh_from_db()
    return progress
