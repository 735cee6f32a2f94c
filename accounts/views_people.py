"""People: the searchable list, a person's page, and the admin actions on it."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.actors import Actor
from accounts.forms import PersonCreateForm, PersonEditForm
from accounts.models import User
from accounts.paging import page_of, search_page_of
from accounts.passwords import person_create_invited
from accounts.permissions import admin_required
from accounts.selectors import (
    audit_entries,
    organisation_get,
    user_get,
    user_groups,
)
from accounts.selectors_people import PeopleFilter, people_filtered, people_list_choices
from accounts.services import (
    Refused,
    user_create,
    user_deactivate,
    user_reactivate,
    user_role_set,
    user_write,
)
from accounts.services.bulk import BULK_ACTIONS
from accounts.sign_in_status import sign_in_status

PEOPLE_PER_PAGE = 25
GROUPS_PER_PAGE = 50
HISTORY_PER_PAGE = 25


def _person_or_404(user_id: uuid.UUID) -> User:
    person = user_get(user_id=user_id)
    if person is None:
        raise Http404("No such person in this organisation.")
    return person


def _back_to(person: User) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("person_detail", args=[person.pk]))


@admin_required
def people_list(request: HttpRequest) -> HttpResponse:
    """People, filtered and sorted as the URL says (accounts.selectors_people)."""
    filters = PeopleFilter.from_query(request.GET)
    paging = search_page_of if filters.q else page_of  # a text search scans every person
    page = paging(people_filtered(filters=filters), request, PEOPLE_PER_PAGE)
    context = {
        "page": page,
        "query": filters.q,
        "filters": filters,
        "bulk_actions": BULK_ACTIONS.items(),
    }
    context.update(people_list_choices(filters=filters))
    return render(request, "console/people_list.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Everyone's own page; members reach nobody else's."""
    return HttpResponseRedirect(reverse("person_detail", args=[request.user.pk]))


@login_required
def person_detail(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    # Members may see only themselves; decide before looking the id up, so nothing leaks.
    if not request.user.is_admin and user_id != request.user.pk:
        raise PermissionDenied("Members can open only their own profile.")
    person = _person_or_404(user_id)
    context = {
        "person": person,
        "groups": page_of(user_groups(user=person), request, GROUPS_PER_PAGE),
        "is_self": person.pk == request.user.pk,
        "scim_managed": person.source == User.Source.SCIM,
        "microsoft_linked": bool(person.entra_oid),
        "role_choices": User.Role.choices,
    }
    context["sign_in"] = sign_in_status(
        person=person, organisation=organisation_get(slug=request.tenant.schema_name)
    )
    if request.user.is_admin:
        # Everything the action layer recorded about them, whoever acted; its own ?history_page=
        # so that the groups' paging and the history's do not move each other.
        history = Paginator(audit_entries(target=str(person.pk)), HISTORY_PER_PAGE)
        context["audit"] = history.get_page(request.GET.get("history_page"))
    return render(request, "console/person_detail.html", context)


@admin_required
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = Actor.console(request.user)
        try:
            if not data["password"]:  # they choose their own from the invitation
                organisation = organisation_get(slug=request.tenant.schema_name)
                person = person_create_invited(
                    actor=actor,
                    organisation=organisation,
                    email=data["email"],
                    role=data["role"],
                    name_given=data["name_given"],
                    name_family=data["name_family"],
                )
                done = f"{person.user_name} is added; an invitation is on its way."
            else:
                person = user_create(
                    actor=actor,
                    user_name=data["email"].strip(),
                    email=data["email"],
                    password=data["password"],
                    role=data["role"],
                    source=User.Source.CONSOLE,
                    name_given=data["name_given"].strip() or None,
                    name_family=data["name_family"].strip() or None,
                )
                done = f"{person.user_name} can now sign in with their password."
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return _back_to(person)
    status = 400 if form.errors else 200
    return render(request, "console/person_create.html", {"form": form}, status=status)


@admin_required
def person_edit(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    person = _person_or_404(user_id)
    if person.source == User.Source.SCIM:
        raise PermissionDenied("SCIM manages this person's attributes.")
    initial = {name: getattr(person, name) or "" for name in PersonEditForm.base_fields}
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: value.strip() or None for name, value in form.cleaned_data.items()}
        try:
            user_write(user=person, actor=Actor.console(request.user), changes=lambda u: values)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Saved.")
            return _back_to(person)
    status = 400 if form.errors else 200
    return render(
        request, "console/person_edit.html", {"form": form, "person": person}, status=status
    )


@require_POST
@admin_required
def person_role(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    person = _person_or_404(user_id)
    try:
        person = user_role_set(
            user=person, role=request.POST.get("role", ""), actor=Actor.console(request.user)
        )
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person.user_name} is now {person.get_role_display()}.")
    return _back_to(person)


@require_POST
@admin_required
def person_activation(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    person = _person_or_404(user_id)
    active = request.POST.get("active") == "1"
    try:
        action = user_reactivate if active else user_deactivate
        person = action(user=person, actor=Actor.console(request.user))
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        done = "reactivated" if active else "deactivated; their sessions have ended"
        messages.success(request, f"{person.user_name} is {done}.")
    return _back_to(person)
