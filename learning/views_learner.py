"""The learner's pages on the organisation host: home (`/`), workspaces, resources, pathways.

Every page asks learning.selectors whether this person may see what they asked for, and
answers 404 otherwise (a guessed id of a draft or a private resource learns nothing).
"""

import functools
import html
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from accounts.selectors import organisation_get
from accounts.selectors_home import home_setup
from learning import content, selectors, services
from learning.grading import QuizNotFound, QuizResult, RetryRefused, attempts_of, quiz_submit
from learning.learning_list import workspace_rows
from learning.models import Resource
from learning.setup import with_learning
from looop.csp import DEFAULT_POLICY, policy_header
from looop.urls_util import reverse_once

# The resource page alone may frame the two video hosts and play MP4s from HTTPS hosts.
RESOURCE_PAGE_CSP = policy_header(
    {
        **DEFAULT_POLICY,
        **getattr(settings, "CSP_POLICY", {}),
        "frame-src": " ".join(content.FRAME_HOSTS),
        "media-src": "'self' https:",
    }
)


HOME_LIST_LIMIT = 50

STATUS_LABELS = {
    "overdue": ("Overdue", "badge-bad"),
    "due_soon": ("Due soon", ""),
    "in_progress": ("In progress", ""),
    "not_started": ("Not started", ""),
    "completed": ("Completed", "badge-ok"),
}


LEARNER_PAGES = ("learning_resource", "learning_pathway", "learning_workspace")
ZERO_ID = str(uuid.UUID(int=0))


def url_prefixes() -> dict[str, str]:
    """The learner pages' addresses up to the id: the home links 50 items and the
    workspaces, each reversed once per process (looop.urls_util.reverse_once)."""
    return {name: reverse_once(name, ZERO_ID).removesuffix(ZERO_ID) for name in LEARNER_PAGES}


def items_html(items: list[selectors.LearningItem], prefixes: dict[str, str]) -> SafeString:
    """The home page's list, built here rather than in the template: at 200 items the
    template's per-item tags and URL reversing took 34 ms of CPU, format_html 11 ms, and
    this about 0.4 ms for the first 50 (in-process), while the page must answer in 50 ms at
    p99 under load (bench/learning.py). f-strings, not `str.format` with named fields, which
    parsed its template again for every item (half this function's time). The only free
    text is the title, escaped with html.escape (the same characters as Django's escape);
    the other values are ids, numbers and our own labels."""
    resource_url, pathway_url = prefixes["learning_resource"], prefixes["learning_pathway"]
    dues: dict[object, str] = {}  # most items share a handful of due dates
    parts = []
    for item in items:
        pathway = item.kind == "pathway"
        action = ""
        if item.continue_resource_id and item.status != "completed":
            url = f"{resource_url}{item.continue_resource_id}"
            if pathway:
                url = f"{url}?pathway={item.id}"
            label = "Continue where I left off" if item.started else "Start"
            action = (
                f' <a class="btn btn-small btn-primary" href="{url}"'
                f' data-testid="item-continue">{label}</a>'
            )
        status_label, badge = STATUS_LABELS[item.status]
        due = dues.get(item.due)
        if due is None:
            due = dues[item.due] = (
                f"Due {item.due.day} {item.due:%b %Y}" if item.due else "No due date"
            )
        title = html.escape(item.title)
        parts.append(
            f'<li class="learning-item status-{item.status}" data-testid="item"'
            f' data-kind="{item.kind}"><div class="item-main">'
            f'<span class="badge {badge}" data-testid="item-status">{status_label}</span>'
            f' <span class="muted">{"Pathway" if pathway else "Resource"}</span>'
            f' <a class="item-title" href="{pathway_url if pathway else resource_url}{item.id}"'
            f' data-testid="item-title">{title}</a></div>'
            f'<div class="item-meta"><span data-testid="item-due">{due}</span>'
            f' <progress max="{item.total or 1}" value="{item.done}"'
            f' aria-label="Progress of {title}"></progress>'
            f' <span data-testid="item-progress">{item.done} of {item.total}</span>'
            f"{action}</div></li>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (ids, numbers, labels, escaped titles)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My learning (overdue, due soon, in progress, not started, completed) and the
    workspaces I can browse. Admins get the same page, with a way into the console and,
    above it, the setup checklist (or a summary once it is done)."""
    # The first HOME_LIST_LIMIT items (the most urgent), the rest behind "Show all": at 200
    # items, reading and rendering the whole list was most of the page's CPU
    # (docs/performance.md, Learning).
    limit = None if request.GET.get("all") == "1" else HOME_LIST_LIMIT
    items, count = selectors.learning_page(user=request.user, limit=limit)
    workspaces = workspace_rows(user_id=request.user.pk)  # = selectors.workspaces_visible
    prefixes = url_prefixes()
    context: dict[str, Any] = {
        "items": items,
        "items_html": items_html(items, prefixes),
        "item_count": count,
        "hidden_count": count - len(items),
        "workspaces": workspaces,
        "workspace_url": prefixes["learning_workspace"],
    }
    if request.user.is_admin:  # an admin's home also shows where the organisation stands
        organisation = organisation_get(slug=request.tenant.schema_name)
        if organisation is not None:
            context["setup"] = with_learning(home_setup(organisation=organisation))
    return render(request, "learning/home.html", context)


@login_required
def workspace_page(request: HttpRequest, workspace_id: str) -> HttpResponse:
    workspace = selectors.workspace_for_learner(user=request.user, workspace_id=workspace_id)
    if workspace is None:
        raise Http404("No such workspace.")
    resources = list(selectors.workspace_resources_visible(user=request.user, workspace=workspace))
    # A step that "enforce order" keeps closed is listed without a link, as on its pathway.
    locks = selectors.locks_of(user=request.user, resources=resources)
    for resource in resources:
        resource.lock = locks.get(resource.pk)
    return render(
        request, "learning/workspace.html", {"workspace": workspace, "resources": resources}
    )


class StepLocked(Exception):
    def __init__(self, lock: selectors.StepLock) -> None:
        self.lock = lock


def _resource_or_404(request: HttpRequest, resource_id: str) -> Resource:
    """The resource; StepLocked for a step its pathway has not reached (the caller answers
    with the locked page); 404 for anything this person may not see."""
    found = selectors.resource_access(user=request.user, resource_id=resource_id)
    if isinstance(found, selectors.StepLock):
        raise StepLocked(found)
    if found is None:
        raise Http404("No such resource.")
    return found


def locked_page(request: HttpRequest, lock: selectors.StepLock) -> HttpResponse:
    """403 with what to complete first, rather than a bare 404: the learner sees the step,
    locked, on its pathway page, so saying why hides nothing from them."""
    return render(request, "learning/locked.html", {"lock": lock}, status=403)


def opens_in_order(view: Any) -> Any:
    """The resource views answer a locked step with the locked page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except StepLocked as locked:
            return locked_page(request, locked.lock)

    return wrapped


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
        "pathway_id": _uuid_or_none(request.GET.get("pathway", "")),
    }


def _uuid_or_none(value: str) -> uuid.UUID | None:
    """The pathway a learner came from (for the way back), if the parameter is an id."""
    try:
        return uuid.UUID(value[:36])
    except ValueError:
        return None


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
@opens_in_order
def resource_page(request: HttpRequest, resource_id: str) -> HttpResponse:
    resource = _resource_or_404(request, resource_id)
    services.progress_open(user=request.user, resource=resource)
    return render_resource(request, resource)


@login_required
@require_POST
@opens_in_order
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
@opens_in_order
def quiz_submit_view(request: HttpRequest, resource_id: str) -> HttpResponse:
    try:
        result: QuizResult = quiz_submit(
            user=request.user, resource_id=resource_id, answers=quiz_answers(request)
        )
    except QuizNotFound:
        _resource_or_404(request, resource_id)  # a locked step says so
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
