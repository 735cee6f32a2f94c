"""Account > Organisation: the organisation's time zone (campaign steps and due dates)."""

from zoneinfo import available_timezones

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.actors import Actor
from accounts.permissions import admin_required
from accounts.services import Refused, organisation_time_zone_set
from accounts.views_account import _organisation

ZONES = sorted(available_timezones())


@admin_required
def organisation_settings(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    if request.method == "POST":
        try:
            organisation_time_zone_set(
                organisation=organisation,
                time_zone=request.POST.get("time_zone", ""),
                actor=Actor.console(request.user),
            )
        except Refused as refused:
            context = {"org": organisation, "zones": ZONES, "error": str(refused)}
            return render(request, "console/organisation.html", context, status=400)
        messages.success(request, f"Time zone set to {organisation.time_zone}.")
        return redirect("account_organisation")
    return render(request, "console/organisation.html", {"org": organisation, "zones": ZONES})
