"""Public host: "Create your organisation", and the live check of the chosen address.

Both are rate-limited per client address with a cache counter (see accounts/throttle.py).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render

from accounts.forms import SignupForm
from accounts.selectors import organisation_slug_available
from accounts.services import organisation_create
from accounts.signup_welcome import WELCOME_PATH, welcome_ticket
from accounts.slugs import InvalidSlug, slug_normalise, slug_validate
from accounts.throttle import signup_allowed, signup_refund, slug_check_allowed
from looop.urls_util import org_url

TOO_MANY = "Too many sign-ups from your network in the last hour. Please try again later."


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    context = {"form": form, "base_domain": settings.BASE_DOMAIN}
    if request.method != "POST":
        return render(request, "console/signup.html", context)
    if not signup_allowed(request):
        context["throttled"] = TOO_MANY
        response = render(request, "console/signup.html", context, status=429)
        response["Retry-After"] = "3600"
        return response
    if form.is_valid():
        data = form.cleaned_data
        try:
            organisation, admin = organisation_create(
                slug=data["slug"],
                name=data["name"],
                admin_email=data["email"],
                admin_password=data["password"],
            )
        except ValidationError as exc:  # password rules
            form.add_error("password", exc)
        except ValueError as exc:  # taken a moment ago, or an invalid slug or name
            form.add_error("slug" if "slug" in str(exc) else None, str(exc))
        else:
            # Signed in on the organisation's host, welcomed, with the setup checklist.
            response = HttpResponseRedirect("/")
            ticket = welcome_ticket(response=response, slug=organisation.schema_name, user=admin)
            response["Location"] = org_url(
                organisation.schema_name, f"{WELCOME_PATH}?{urlencode({'ticket': ticket})}"
            )
            return response
    signup_refund(request)  # only completed sign-ups count against the limit
    return render(request, "console/signup.html", context, status=400)


def slug_available(request: HttpRequest) -> JsonResponse:
    """{"slug", "available", "message"} for the address typed so far."""
    # Exactly what the form does to the same input, so the two never disagree (no cut-off).
    slug = slug_normalise(request.GET.get("slug", ""))
    if not slug_check_allowed(request):
        response = JsonResponse(
            {"slug": slug, "available": None, "message": "Too many checks; wait a minute."},
            status=429,
        )
        response["Retry-After"] = "60"
        return response
    try:
        slug_validate(slug)
    except InvalidSlug as exc:
        return JsonResponse({"slug": slug, "available": False, "message": str(exc)})
    if organisation_slug_available(slug=slug):
        host = f"{slug}.{settings.BASE_DOMAIN}"
        return JsonResponse({"slug": slug, "available": True, "message": f"{host} is available."})
    return JsonResponse(
        {"slug": slug, "available": False, "message": f"'{slug}' is already taken."}
    )
