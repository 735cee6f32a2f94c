"""Learning ▸ Pathways (resources in order, settings, audience) and sharing with a due date."""

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Group
from accounts.permissions import admin_required
from learning import services
from learning.models import Pathway, PathwayStep, Resource, Share
from learning.views_console import (
    console_page,
    groups_offered,
    people_from,
    refused_or_redirect,
    resource_of,
)
from learning.views_editor import editor_page


def pathway_page(
    request: HttpRequest, pathway: Pathway, error: str = "", status: int = 200
) -> HttpResponse:
    steps = list(pathway.steps.select_related("resource__workspace"))
    in_pathway = {s.resource_id for s in steps}
    return render(
        request,
        "learning/console/pathway.html",
        {
            "pathway": pathway,
            "steps": steps,
            "addable": Resource.objects.filter(status=Resource.Status.PUBLISHED)
            .exclude(pk__in=in_pathway)
            .select_related("workspace")
            .order_by("workspace__name", "title")[:500],
            "shares": pathway.shares.select_related("group", "user"),
            "groups": groups_offered(),
            "error": error,
        },
        status=status,
    )


@admin_required
def pathway_console(request: HttpRequest, pathway_id: uuid.UUID) -> HttpResponse:
    return pathway_page(request, get_object_or_404(Pathway, pk=pathway_id))


@admin_required
@require_POST
def pathway_create(request: HttpRequest) -> HttpResponse:
    try:
        pathway = services.pathway_create(
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            enforce_order=request.POST.get("enforce_order") == "on",
            lock_until_passed=request.POST.get("lock_until_passed") == "on",
        )
    except services.LearningRefused as refused:
        return console_page(request, str(refused), status=400)
    messages.success(request, f"Pathway “{pathway.name}” created.")
    return redirect("learning_pathway_console", pathway_id=pathway.pk)


def _pathway_action(
    request: HttpRequest, pathway: Pathway, action: Callable[[], Any], done: str
) -> HttpResponse:
    return refused_or_redirect(
        request,
        action,
        success=done,
        to="learning_pathway_console",
        pathway_id=pathway.pk,
        page=lambda r, e: pathway_page(r, pathway, e),
    )


@admin_required
@require_POST
def pathway_settings(request: HttpRequest, pathway_id: uuid.UUID) -> HttpResponse:
    pathway = get_object_or_404(Pathway, pk=pathway_id)
    return _pathway_action(
        request,
        pathway,
        lambda: services.pathway_update(
            pathway=pathway,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            enforce_order=request.POST.get("enforce_order") == "on",
            lock_until_passed=request.POST.get("lock_until_passed") == "on",
        ),
        "Pathway saved.",
    )


@admin_required
@require_POST
def pathway_step_add(request: HttpRequest, pathway_id: uuid.UUID) -> HttpResponse:
    pathway = get_object_or_404(Pathway, pk=pathway_id)

    def add() -> None:
        resource = _resource_or_refuse(request.POST.get("resource", ""))
        services.pathway_step_add(pathway=pathway, resource=resource)

    return _pathway_action(request, pathway, add, "Resource added.")


def _resource_or_refuse(resource_id: str) -> Resource:
    try:
        resource = Resource.objects.filter(pk=uuid.UUID(resource_id[:36])).first()
    except ValueError:
        resource = None
    if resource is None:
        raise services.LearningRefused("Choose a resource.")
    return resource


@admin_required
@require_POST
def pathway_step_edit(request: HttpRequest, pathway_id: uuid.UUID, step_id: int) -> HttpResponse:
    """Move a step up or down, or remove it."""
    pathway = get_object_or_404(Pathway, pk=pathway_id)
    step = get_object_or_404(PathwayStep, pk=step_id, pathway=pathway)
    direction = request.POST.get("action", "")
    if direction == "remove":
        return _pathway_action(
            request, pathway, lambda: services.pathway_step_remove(step=step), "Removed."
        )
    offset = -1 if direction == "up" else 1
    return _pathway_action(
        request, pathway, lambda: services.pathway_step_move(step=step, offset=offset), "Moved."
    )


# --- sharing, from a pathway's audience or a resource's editor ---


def _due_from(request: HttpRequest) -> dict[str, object]:
    due = request.POST.get("due", Share.Due.NONE)
    values: dict[str, object] = {"due": due}
    if due == Share.Due.FIXED:
        try:
            values["due_date"] = date.fromisoformat(request.POST.get("due_date", "")[:10])
        except ValueError:
            raise services.LearningRefused("Give the due date as YYYY-MM-DD.") from None
    elif due == Share.Due.AFTER:
        days = request.POST.get("due_days", "").strip()
        if not days.isdigit() or len(days) > 5:
            raise services.LearningRefused("Days after receipt is a whole number.")
        values["due_days"] = int(days)
    return values


def share_with(request: HttpRequest, target: Resource | Pathway) -> int:
    """Share `target` with the chosen group and/or the people named; how many shares made."""
    due = _due_from(request)
    group_id = request.POST.get("group", "")
    groups = []
    if group_id:
        try:
            groups = list(Group.objects.filter(pk=uuid.UUID(group_id[:36])))
        except ValueError:
            groups = []
        if not groups:
            raise services.LearningRefused("Choose a group of this organisation.")
    people = people_from(request.POST.get("people", "")[:50_000])
    if not groups and not people:
        raise services.LearningRefused("Choose a group or name people to share with.")
    for group in groups:
        services.share_create(target=target, group=group, **due)  # type: ignore[arg-type]
    for person in people:
        services.share_create(target=target, user=person, **due)  # type: ignore[arg-type]
    return len(groups) + len(people)


@admin_required
@require_POST
def pathway_share(request: HttpRequest, pathway_id: uuid.UUID) -> HttpResponse:
    pathway = get_object_or_404(Pathway, pk=pathway_id)
    return _pathway_action(request, pathway, lambda: share_with(request, pathway), "Shared.")


@admin_required
@require_POST
def resource_share(request: HttpRequest, resource_id: uuid.UUID) -> HttpResponse:
    resource = resource_of(resource_id)
    return refused_or_redirect(
        request,
        lambda: share_with(request, resource),
        success="Shared.",
        to="learning_resource_editor",
        resource_id=resource.pk,
        page=lambda r, e: editor_page(r, resource, e),
    )


@admin_required
@require_POST
def share_delete(request: HttpRequest, share_id: uuid.UUID) -> HttpResponse:
    share = get_object_or_404(Share, pk=share_id)
    services.share_delete(share=share)
    messages.success(request, "Unshared. Progress already made is kept.")
    if share.pathway_id:
        return redirect("learning_pathway_console", pathway_id=share.pathway_id)
    return redirect("learning_resource_editor", resource_id=share.resource_id)
