"""Learning ▸ Resources: the editor for a resource's elements and quiz, preview and publish."""

import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from accounts.permissions import admin_required
from learning import services
from learning.models import Element, Question, Resource
from learning.views_console import groups_offered, refused_or_redirect, resource_of, theme_from
from learning.views_learner import RESOURCE_PAGE_CSP


def editor_page(
    request: HttpRequest, resource: Resource, error: str = "", status: int = 200
) -> HttpResponse:
    elements = list(resource.elements.prefetch_related("questions__options"))
    return render(
        request,
        "learning/console/resource_editor.html",
        {
            "resource": resource,
            "elements": elements,
            "has_quiz": any(e.kind == Element.Kind.QUIZ for e in elements),
            "themes": resource.workspace.themes.all(),
            "kinds": Element.Kind.choices,
            "shares": resource.shares.select_related("group", "user"),
            "groups": groups_offered(),
            "error": error,
        },
        status=status,
    )


@admin_required
def resource_editor(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    return editor_page(request, resource_of(resource_id))


def _edit(
    request: HttpRequest, resource: Resource, action: Callable[[], Any], done: str
) -> HttpResponse:
    return refused_or_redirect(
        request,
        action,
        success=done,
        to="learning_resource_editor",
        resource_id=resource.pk,
        page=lambda r, e: editor_page(r, resource, e),
    )


def _percent(value: str) -> int:
    value = value.strip()
    if not value.isdigit() or len(value) > 3:
        raise services.LearningRefused("The pass mark is a percentage from 0 to 100.")
    return int(value)


@admin_required
@require_POST
def resource_settings(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    resource = resource_of(resource_id)
    return _edit(
        request,
        resource,
        lambda: services.resource_update(
            resource=resource,
            title=request.POST.get("title", ""),
            pass_mark=_percent(request.POST.get("pass_mark", "")),
            retries_allowed=request.POST.get("retries_allowed") == "on",
            theme=theme_from(request, resource.workspace),
        ),
        "Resource saved.",
    )


@admin_required
@require_POST
def element_add(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    resource = resource_of(resource_id)
    return _edit(
        request,
        resource,
        lambda: services.element_add(
            resource=resource,
            kind=request.POST.get("kind", ""),
            markdown=request.POST.get("markdown", ""),
            url=request.POST.get("url", ""),
            label=request.POST.get("label", ""),
        ),
        "Element added.",
    )


def _element(resource: Resource, element_id: int) -> Element:
    return get_object_or_404(Element, pk=element_id, resource=resource)


@admin_required
@require_POST
def element_move(request: HttpRequest, resource_id: uuid.UUID, element_id: int) -> HttpResponse:
    resource = resource_of(resource_id)
    element = _element(resource, element_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _edit(
        request, resource, lambda: services.element_move(element=element, offset=offset), "Moved."
    )


@admin_required
@require_POST
def element_delete(request: HttpRequest, resource_id: uuid.UUID, element_id: int) -> HttpResponse:
    resource = resource_of(resource_id)
    element = _element(resource, element_id)
    return _edit(
        request, resource, lambda: services.element_delete(element=element), "Element removed."
    )


@admin_required
@require_POST
def question_add(request: HttpRequest, resource_id: uuid.UUID, element_id: int) -> HttpResponse:
    """Options come as option-0..option-9 with correct-0..correct-9 checkboxes."""
    resource = resource_of(resource_id)
    element = _element(resource, element_id)
    options = [
        (request.POST.get(f"option-{i}", ""), request.POST.get(f"correct-{i}") == "on")
        for i in range(10)
    ]
    return _edit(
        request,
        resource,
        lambda: services.question_add(
            element=element,
            text=request.POST.get("text", ""),
            kind=request.POST.get("kind", ""),
            options=options,
        ),
        "Question added.",
    )


@admin_required
@require_POST
def question_delete(request: HttpRequest, resource_id: uuid.UUID, question_id: int) -> HttpResponse:
    resource = resource_of(resource_id)
    question = get_object_or_404(Question, pk=question_id, element__resource=resource)
    return _edit(
        request, resource, lambda: services.question_delete(question=question), "Question removed."
    )


@admin_required
@require_POST
def resource_publish(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    resource = resource_of(resource_id)
    if request.POST.get("action") == "unpublish":
        return _edit(
            request,
            resource,
            lambda: services.resource_unpublish(resource=resource),
            "Back to draft: learners no longer see it.",
        )
    return _edit(
        request, resource, lambda: services.resource_publish(resource=resource), "Published."
    )


@admin_required
def resource_preview(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    """The page as learners will see it (drafts too); the quiz cannot be submitted here."""
    resource = resource_of(resource_id)
    elements = list(resource.elements.prefetch_related("questions__options"))
    response = render(
        request,
        "learning/console/resource_preview.html",
        {"resource": resource, "elements": elements, "preview": True},
    )
    response["Content-Security-Policy"] = RESOURCE_PAGE_CSP
    return response
