"""Learning ▸ Workspaces in the admin console: workspaces, their themes, access and resources.

Views stay thin: learning.services checks every input and raises LearningRefused, which
the page shows with a 400.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Group, User
from accounts.permissions import admin_required
from learning import services
from learning.models import Pathway, Resource, Theme, Workspace

GROUP_CHOICES_MAX = 500  # groups offered in a select; more are found by name


def refused_or_redirect(
    request: HttpRequest,
    action: Callable[[], Any],
    *,
    success: str,
    to: str,
    page: Callable[[HttpRequest, str], HttpResponse],
    **kwargs: Any,
) -> HttpResponse:
    """Run a service call; on LearningRefused show the page again with the reason (400)."""
    try:
        action()
    except services.LearningRefused as refused:
        response = page(request, str(refused))
        response.status_code = 400
        return response
    messages.success(request, success)
    return redirect(to, **kwargs)


def groups_offered() -> list[Group]:
    return list(Group.objects.order_by("display_name", "id")[:GROUP_CHOICES_MAX])


def groups_from(request: HttpRequest, field: str = "groups") -> list[Group]:
    ids = [value for value in request.POST.getlist(field) if _is_uuid(value)]
    if len(ids) > GROUP_CHOICES_MAX:
        raise services.LearningRefused(f"Choose at most {GROUP_CHOICES_MAX} groups.")
    return list(Group.objects.filter(pk__in=ids))


def people_from(text: str) -> list[User]:
    """Live people named by email or user name, one per line or comma; unknown ones refused."""
    names = [n.strip() for n in text.replace(",", "\n").splitlines() if n.strip()]
    if len(names) > 500:
        raise services.LearningRefused("Name at most 500 people at once.")
    people = []
    for name in names:
        person = User.objects.filter(user_name__iexact=name[:255], deleted_at__isnull=True).first()
        if person is None:
            raise services.LearningRefused(f"No person here has the user name {name[:80]!r}.")
        people.append(person)
    return people


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def console_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "learning/console/index.html",
        {
            "workspaces": Workspace.objects.all(),
            "pathways": Pathway.objects.all(),
            "error": error,
            "visibilities": Workspace.Visibility.choices,
        },
        status=status,
    )


@admin_required
def learning_console(request: HttpRequest) -> HttpResponse:
    return console_page(request)


@admin_required
@require_POST
def workspace_create(request: HttpRequest) -> HttpResponse:
    try:
        workspace = services.workspace_create(
            name=request.POST.get("name", ""),
            visibility=request.POST.get("visibility", "open"),
            description=request.POST.get("description", ""),
        )
    except services.LearningRefused as refused:
        return console_page(request, str(refused), status=400)
    messages.success(request, f"Workspace “{workspace.name}” created.")
    return redirect("learning_workspace_console", workspace_id=workspace.pk)


def workspace_page(
    request: HttpRequest, workspace: Workspace, error: str = "", status: int = 200
) -> HttpResponse:
    access = list(workspace.access.select_related("group", "user"))
    return render(
        request,
        "learning/console/workspace.html",
        {
            "workspace": workspace,
            "themes": workspace.themes.all(),
            "resources": workspace.resources.select_related("theme"),
            "groups": groups_offered(),
            "given_groups": {a.group_id for a in access if a.group_id},
            "given_people": "\n".join(a.user.user_name for a in access if a.user_id),
            "visibilities": Workspace.Visibility.choices,
            "error": error,
        },
        status=status,
    )


@admin_required
def workspace_console(request: HttpRequest, workspace_id: uuid.UUID) -> HttpResponse:
    return workspace_page(request, get_object_or_404(Workspace, pk=workspace_id))


def _workspace_action(
    request: HttpRequest, workspace_id: uuid.UUID, action: Callable[[Workspace], Any], done: str
) -> HttpResponse:
    workspace = get_object_or_404(Workspace, pk=workspace_id)
    return refused_or_redirect(
        request,
        lambda: action(workspace),
        success=done,
        to="learning_workspace_console",
        workspace_id=workspace.pk,
        page=lambda r, e: workspace_page(r, workspace, e),
    )


@admin_required
@require_POST
def workspace_settings(request: HttpRequest, workspace_id: uuid.UUID) -> HttpResponse:
    return _workspace_action(
        request,
        workspace_id,
        lambda w: services.workspace_update(
            workspace=w,
            name=request.POST.get("name", ""),
            visibility=request.POST.get("visibility", ""),
            description=request.POST.get("description", ""),
        ),
        "Workspace saved.",
    )


@admin_required
@require_POST
def workspace_access(request: HttpRequest, workspace_id: uuid.UUID) -> HttpResponse:
    return _workspace_action(
        request,
        workspace_id,
        lambda w: services.workspace_access_set(
            workspace=w,
            groups=groups_from(request),
            users=people_from(request.POST.get("people", "")[:50_000]),
        ),
        "Access saved.",
    )


@admin_required
@require_POST
def theme_create(request: HttpRequest, workspace_id: uuid.UUID) -> HttpResponse:
    return _workspace_action(
        request,
        workspace_id,
        lambda w: services.theme_create(workspace=w, name=request.POST.get("name", "")),
        "Theme added.",
    )


def theme_from(request: HttpRequest, workspace: Workspace) -> Theme | None:
    theme_id = request.POST.get("theme", "")
    if not theme_id.isdigit():
        return None
    return Theme.objects.filter(pk=int(theme_id[:18]), workspace=workspace).first()


@admin_required
@require_POST
def resource_create(request: HttpRequest, workspace_id: uuid.UUID) -> HttpResponse:
    workspace = get_object_or_404(Workspace, pk=workspace_id)
    try:
        resource = services.resource_create(
            workspace=workspace,
            title=request.POST.get("title", ""),
            theme=theme_from(request, workspace),
        )
    except services.LearningRefused as refused:
        return workspace_page(request, workspace, str(refused), status=400)
    return redirect("learning_resource_editor", resource_id=resource.pk)


def resource_of(resource_id: uuid.UUID) -> Resource:
    return get_object_or_404(Resource.objects.select_related("workspace"), pk=resource_id)
