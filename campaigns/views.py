"""Campaigns in the admin console: the list, the editor (audience builder and steps), the
live preview, the timeline, and a person's campaigns. Views stay thin: campaigns.services
checks every input and raises CampaignRefused, shown with a 400."""

import uuid
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.permissions import admin_required
from campaigns import clock, selectors, services
from campaigns.errors import CampaignRefused
from campaigns.models import Campaign, Step
from learning.models import Pathway, Resource

# The rule builder's attributes: label → SCIM attribute path (campaigns/audience.py).
RULE_ATTRIBUTES = [
    ("Department", "department"),
    ("Job title", "title"),
    ("Division", "division"),
    ("Cost centre", "costCenter"),
    ("Organisation", "organization"),
    ("Employee number", "employeeNumber"),
    ("User type", "userType"),
    ("Member of group (id)", "groups.value"),
    ("Joined Looop after (date)", "meta.created"),
]


def _refused(page: Callable[[str], HttpResponse], action: Callable[[], Any]) -> Any:
    try:
        return action()
    except CampaignRefused as refused:
        response = page(str(refused))
        response.status_code = 400
        return response


def _list_page(request: HttpRequest, error: str = "", **form: str) -> HttpResponse:
    context = {
        "campaigns": selectors.campaigns_list(),
        "error": error,
        "form": form,
        "rule_attributes": RULE_ATTRIBUTES,
    }
    return render(request, "campaigns/list.html", context)


@admin_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _list_page(request)
    name, audience = request.POST.get("name", ""), request.POST.get("audience", "")
    result = _refused(
        lambda error: _list_page(request, error, name=name, audience=audience),
        lambda: services.campaign_create(name=name, audience=audience),
    )
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, f"Campaign “{result.name}” created as a draft.")
    return redirect("campaign_detail", campaign_id=result.pk)


def _steps(campaign: Campaign) -> list[tuple[Step, str, int]]:
    pending = selectors.pending_count(campaign=campaign)
    return [(s, selectors.step_label(s), pending[s.pk]) for s in campaign.steps.all()]


def _detail_page(request: HttpRequest, campaign: Campaign, error: str = "") -> HttpResponse:
    context = {
        "campaign": campaign,
        "steps": _steps(campaign),
        "error": error,
        "rule_attributes": RULE_ATTRIBUTES,
        "resources": Resource.objects.filter(status=Resource.Status.PUBLISHED).order_by("title")[
            :500
        ],
        "pathways": Pathway.objects.order_by("name")[:500],
        "zone": clock.organisation_zone().key,
        "placeholders": ["{{" + p + "}}" for p in sorted(services.PLACEHOLDERS)],
    }
    return render(request, "campaigns/detail.html", context)


@admin_required
def campaign_detail(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if request.method != "POST":
        return _detail_page(request, campaign)
    name, audience = request.POST.get("name", ""), request.POST.get("audience", "")
    result = _refused(
        lambda error: _detail_page(request, campaign, error),
        lambda: services.campaign_update(campaign=campaign, name=name, audience=audience),
    )
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, "Campaign saved.")
    return redirect("campaign_detail", campaign_id=campaign.pk)


def _int(value: str | None, label: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or len(value) > 6:
        raise CampaignRefused(f"{label} is a whole number.")
    return int(value)


def _target(value: str) -> Resource | Pathway | None:
    kind, _, pk = value.partition(":")
    try:
        key = uuid.UUID(pk)
    except ValueError:
        return None
    model = {"resource": Resource, "pathway": Pathway}.get(kind)
    return model.objects.filter(pk=key).first() if model else None


def _step_from(post: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"action": post.get("action", "")}
    if post.get("timing") == "fixed":
        try:
            naive = datetime.fromisoformat(post.get("fixed_at", ""))
        except ValueError:
            raise CampaignRefused("Give the date and time as YYYY-MM-DDTHH:MM.") from None
        fields["fixed_at"] = naive.replace(tzinfo=clock.organisation_zone())
    else:
        fields["days_in"] = _int(post.get("days_in"), "Days into the campaign")
        if at := post.get("at_time", ""):
            try:
                fields["at_time"] = time.fromisoformat(at)
            except ValueError:
                raise CampaignRefused("Give the time of day as HH:MM.") from None
    if fields["action"] == Step.Action.SHARE:
        fields["target"] = _target(post.get("target", ""))
        fields["due_days"] = _int(post.get("due_days"), "Due in")
        fields["remind_days_before"] = _int(post.get("remind_days_before"), "Remind before")
        fields["remind_overdue"] = post.get("remind_overdue") == "on"
    else:
        fields["subject"], fields["body"] = post.get("subject", ""), post.get("body", "")
    return fields


@require_POST
@admin_required
def step_add(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    result = _refused(
        lambda error: _detail_page(request, campaign, error),
        lambda: services.step_add(campaign=campaign, **_step_from(request.POST)),
    )
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, "Step added.")
    return redirect("campaign_detail", campaign_id=campaign.pk)


@require_POST
@admin_required
def step_delete(request: HttpRequest, campaign_id: uuid.UUID, step_id: int) -> HttpResponse:
    step = get_object_or_404(Step, pk=step_id, campaign_id=campaign_id)
    services.step_delete(step=step)
    messages.success(request, "Step removed.")
    return redirect("campaign_detail", campaign_id=campaign_id)


LIFECYCLE = {
    "start": (services.campaign_start, "Campaign started."),
    "pause": (services.campaign_pause, "Campaign paused: no step runs until you resume it."),
    "resume": (services.campaign_resume, "Campaign resumed."),
}


@require_POST
@admin_required
def campaign_lifecycle(request: HttpRequest, campaign_id: uuid.UUID, action: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if action not in LIFECYCLE:
        return _detail_page(request, campaign, "Unknown action.")
    change, done = LIFECYCLE[action]
    result = _refused(
        lambda error: _detail_page(request, campaign, error), lambda: change(campaign=campaign)
    )
    if isinstance(result, HttpResponse):
        return result
    messages.success(request, done)
    return redirect("campaign_detail", campaign_id=campaign.pk)


@require_GET
@admin_required
def audience_preview(request: HttpRequest) -> JsonResponse:
    """The live preview: {count, people: first 20} or 400 {error}."""
    try:
        preview = selectors.audience_preview(request.GET.get("audience", ""))
    except CampaignRefused as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    people = [
        {"id": str(p.pk), "userName": p.user_name, "name": p.full_name} for p in preview.people
    ]
    return JsonResponse({"count": preview.count, "people": people})


@admin_required
def campaign_timeline(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    context = {
        "campaign": campaign,
        "rows": selectors.timeline(campaign=campaign),
        "steps": _steps(campaign),
    }
    return render(request, "campaigns/timeline.html", context)


@admin_required
def person_campaigns(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    person = get_object_or_404(User, pk=person_id, deleted_at__isnull=True)
    context = {
        "person": person,
        "campaigns": selectors.person_campaigns(user=person),
    }
    return render(request, "campaigns/person.html", context)
