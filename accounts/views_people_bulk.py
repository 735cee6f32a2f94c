"""Bulk actions on People: the confirmation page, then the run (accounts.services.bulk)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.actors import Actor
from accounts.permissions import admin_required
from accounts.services.bulk import BULK_ACTIONS, BULK_MAX, bulk_ids, bulk_plan, bulk_run


def _bad(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/people_bulk_error.html", {"message": message}, status=400)


def _read(request: HttpRequest) -> tuple[list, str] | str:
    """The selection and action from the form, or what is wrong with them."""
    data = request.POST if request.method == "POST" else request.GET
    values = data.getlist("ids")
    if len(values) > BULK_MAX:  # before parsing: the cost is bounded by the cap
        return f"Choose at most {BULK_MAX} people at a time."
    try:
        ids = bulk_ids(values)
    except ValueError:
        return "The selection holds an id that is not a person's."
    if not ids:
        return "Choose at least one person."
    action = data.get("action", "")
    if action not in BULK_ACTIONS:
        return "Choose an action: deactivate, make admin or make member."
    return ids, action


@admin_required
def people_bulk_confirm(request: HttpRequest) -> HttpResponse:
    """Who will change and who will be skipped, and why; nothing is written here."""
    read = _read(request)
    if isinstance(read, str):
        return _bad(request, read)
    ids, action = read
    plan = bulk_plan(ids=ids, action=action, actor=Actor.console(request.user))
    context = {"plan": plan, "action": action, "action_label": BULK_ACTIONS[action], "ids": ids}
    return render(request, "console/people_bulk_confirm.html", context)


@require_POST
@admin_required
def people_bulk_run(request: HttpRequest) -> HttpResponse:
    read = _read(request)
    if isinstance(read, str):
        return _bad(request, read)
    ids, action = read
    done = bulk_run(ids=ids, action=action, actor=Actor.console(request.user))
    skipped = len(done.skipped) + done.not_found
    summary = f"{BULK_ACTIONS[action]}: {len(done.changed)} changed, {skipped} skipped."
    (messages.success if done.changed else messages.warning)(request, summary)
    for person, reason in done.skipped[:20]:
        messages.info(request, f"Skipped {person.user_name}: {reason}")
    return HttpResponseRedirect(reverse("people_list"))
