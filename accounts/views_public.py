"""Pages of the public host: landing and "Find your organisation"."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from accounts.selectors import organisation_get
from accounts.slugs import InvalidSlug, slug_validate
from looop.urls_util import org_url


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public/landing.html")


def find_organisation(request: HttpRequest) -> HttpResponse:
    slug = (request.POST.get("slug") or request.GET.get("slug") or "").strip().lower()
    error = ""
    if request.method == "POST":
        try:
            slug_validate(slug)
        except InvalidSlug:
            error = "That is not a valid organisation name. Check the address your admin gave you."
        else:
            if organisation_get(slug=slug) is not None:
                return HttpResponseRedirect(org_url(slug, "/login"))
            error = f"We couldn't find an organisation called '{slug}'."
    status = 404 if error.startswith("We couldn't") else 200 if not error else 400
    return render(
        request,
        "public/find_organisation.html",
        {"slug": slug, "error": error, "base_domain": settings.BASE_DOMAIN},
        status=status,
    )


def unknown_organisation(request: HttpRequest) -> HttpResponse:
    return render(request, "public/unknown_organisation.html", status=404)
