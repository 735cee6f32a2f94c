"""The learner's pages on the organisation host: home (`/`), workspaces, resources, pathways.

Every page asks learning.selectors whether this person may see what they asked for, and
answers 404 otherwise (a guessed id of a draft or a private resource learns nothing).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from learning import content, selectors, services
from learning.grading import QuizNotFound, QuizResult, RetryRefused, attempts_of, quiz_submit
from learning.models import Resource
from looop.csp import DEFAULT_POLICY, policy_header

# The resource page alone may frame the two video hosts and play MP4s from HTTPS hosts.
RESOURCE_PAGE_CSP = policy_header(
    {
        **DEFAULT_POLICY,
        **getattr(settings, "CSP_POLICY", {}),
        "frame-src": " ".join(content.FRAME_HOSTS),
        "media-src": "'self' https:",
    }
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My learning (overdue, due soon, in progress, not started, completed) and the
    workspaces I can browse. Admins get the same page, with a way into the console."""
    items = selectors.learning_items(user=request.user)
    workspaces = list(selectors.workspaces_visible(user=request.user))
    return render(request, "learning/home.html", {"items": items, "workspaces": workspaces})


@login_required
def workspace_page(request: HttpRequest, workspace_id: str) -> HttpResponse:
    workspace = selectors.workspace_for_learner(user=request.user, workspace_id=workspace_id)
    if workspace is None:
        raise Http404("No such workspace.")
    resources = selectors.workspace_resources_visible(user=request.user, workspace=workspace)
    return render(
        request, "learning/workspace.html", {"workspace": workspace, "resources": resources}
    )


def _resource_or_404(request: HttpRequest, resource_id: str) -> Resource:
    resource = selectors.resource_for_learner(user=request.user, resource_id=resource_id)
    if resource is None:
        raise Http404("No such resource.")
    return resource


def resource_context(request: HttpRequest, resource: Resource) -> dict[str, Any]:
    elements = list(resource.elements.prefetch_related("questions__options"))
    progress = selectors.progress_of(user=request.user, resource_ids=[resource.pk])
    attempts = attempts_of(user=request.user, resource=resource) if resource.has_quiz else []
    return {
        "resource": resource,
        "elements": elements,
        "progress": progress.get(resource.pk),
        "attempts": attempts,
        "can_attempt": resource.retries_allowed or not attempts,
        "pathway_id": request.GET.get("pathway", "")[:36],
    }


def render_resource(
    request: HttpRequest, resource: Resource, *, status: int = 200, **extra: Any
) -> HttpResponse:
    response = render(
        request,
        "learning/resource.html",
        {**resource_context(request, resource), **extra},
        status=status,
    )
    response["Content-Security-Policy"] = RESOURCE_PAGE_CSP
    return response


@login_required
def resource_page(request: HttpRequest, resource_id: str) -> HttpResponse:
    resource = _resource_or_404(request, resource_id)
    services.progress_open(user=request.user, resource=resource)
    return render_resource(request, resource)


@login_required
@require_POST
def resource_complete(request: HttpRequest, resource_id: str) -> HttpResponse:
    resource = _resource_or_404(request, resource_id)
    try:
        services.progress_complete(user=request.user, resource=resource, has_quiz=resource.has_quiz)
    except services.LearningRefused as refused:
        return render_resource(request, resource, status=400, error=str(refused))
    return redirect("learning_resource", resource_id=resource.pk)


def quiz_answers(request: HttpRequest) -> dict[str, list[str]]:
    """`q-<question id>` fields (radio or checkboxes) as question id -> chosen option ids."""
    return {
        key.removeprefix("q-"): request.POST.getlist(key)
        for key in request.POST
        if key.startswith("q-")
    }


@login_required
@require_POST
def quiz_submit_view(request: HttpRequest, resource_id: str) -> HttpResponse:
    try:
        result: QuizResult = quiz_submit(
            user=request.user, resource_id=resource_id, answers=quiz_answers(request)
        )
    except QuizNotFound:
        raise Http404("No such quiz.") from None
    except RetryRefused as refused:
        resource = _resource_or_404(request, resource_id)
        return render_resource(request, resource, status=409, error=str(refused))
    except services.LearningRefused as refused:
        resource = _resource_or_404(request, resource_id)
        return render_resource(request, resource, status=400, error=str(refused))
    resource = _resource_or_404(request, resource_id)
    return render_resource(request, resource, result=result)


@login_required
def pathway_page(request: HttpRequest, pathway_id: str) -> HttpResponse:
    pathway = selectors.pathway_for_learner(user=request.user, pathway_id=pathway_id)
    if pathway is None:
        raise Http404("No such pathway.")
    view = selectors.pathway_view(user=request.user, pathway=pathway)
    return render(request, "learning/pathway.html", {"pathway": pathway, "view": view})
