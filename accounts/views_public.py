"""Pages of the public host: landing and "Find your organisation"."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from accounts.selectors_find import organisation_find
from looop.urls_util import org_url


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public/landing.html")


FIND_MAX_CHARS = 200


def find_organisation(request: HttpRequest) -> HttpResponse:
    """Accepts the organisation's address (`acme`, `acme.looop.co`) or its name when no other
    organisation has that name."""
    text = (request.POST.get("slug") or request.GET.get("slug") or "").strip()
    error, status = "", 200
    if request.method == "POST":
        if len(text) > FIND_MAX_CHARS:
            error, status = f"That is longer than {FIND_MAX_CHARS} characters.", 400
        else:
            slug, matches = organisation_find(text=text)
            if slug is not None:
                return HttpResponseRedirect(org_url(slug, "/login"))
            if matches > 1:
                error = (
                    f"Several organisations are called '{text}'. Enter your organisation's "
                    "address instead: ask your admin for it."
                )
                status = 400
            else:
                error = f"We couldn't find an organisation at that address or called '{text}'."
                status = 404
    return render(
        request,
        "public/find_organisation.html",
        {"slug": text, "error": error, "base_domain": settings.BASE_DOMAIN},
        status=status,
    )


def unknown_organisation(request: HttpRequest) -> HttpResponse:
    return render(request, "public/unknown_organisation.html", status=404)
