"""Passwords on an organisation's host: forgot, set from a link, change, and admin sends."""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from accounts.actors import Actor
from accounts.models import Organisation, User
from accounts.passwords import (
    invitation_send,
    password_reset_request,
    password_reset_send,
    password_set_recorded,
)
from accounts.permissions import admin_required
from accounts.selectors import organisation_get, user_get
from accounts.services import Refused
from accounts.throttle import client_ip, rate_limit_hit
from accounts.tokens import invitation_token, password_reset_token


def _organisation(request: HttpRequest) -> Organisation:
    """Fresh settings: request.tenant is only the routing snapshot."""
    organisation = organisation_get(slug=request.tenant.schema_name)  # type: ignore[attr-defined]
    assert organisation is not None
    return organisation


class ForgotForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254)


def _reset_allowed(request: HttpRequest, address: str) -> bool:
    """Per address (so nobody floods one inbox) and per client address (so nobody sweeps)."""
    per_address = rate_limit_hit(
        scope="password-reset-address",
        key=address.strip().lower(),
        limit=settings.PASSWORD_RESETS_PER_HOUR,
        window_seconds=3600,
    )
    per_client = rate_limit_hit(
        scope="password-reset-client",
        key=client_ip(request) or "unknown",
        limit=settings.PASSWORD_RESETS_PER_HOUR * 6,
        window_seconds=3600,
    )
    return per_address and per_client


def password_forgot(request: HttpRequest) -> HttpResponse:
    """The same answer whether or not the address belongs to anyone here."""
    form = ForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = form.cleaned_data["email"]
        if not _reset_allowed(request, address):
            response = render(
                request,
                "accounts/password_forgot.html",
                {"form": form, "limited": True},
                status=429,
            )
            response["Retry-After"] = "3600"
            return response
        password_reset_request(address=address, organisation=_organisation(request))
        return HttpResponseRedirect(reverse("password_forgot_sent"))
    status = 400 if form.errors else 200
    return render(request, "accounts/password_forgot.html", {"form": form}, status=status)


def password_forgot_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_forgot_sent.html")


class _LiveOnly:
    """Links work only for active people who are not deleted."""

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)  # type: ignore[misc]
        return user if user is not None and user.is_active else None


class PasswordResetConfirm(_LiveOnly, auth_views.PasswordResetConfirmView):
    """Django's view: it moves the token out of the URL before showing the form."""

    template_name = "accounts/password_set.html"
    token_generator = password_reset_token
    form_class = SetPasswordForm
    success_url = reverse_lazy("login")
    reset_url_token = "set-password"
    extra_context = {"purpose": "reset"}

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        password_set_recorded(person=form.user, how=self.extra_context["purpose"])
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return response


class InvitationAccept(PasswordResetConfirm):
    token_generator = invitation_token
    extra_context = {"purpose": "invitation"}


class PasswordChange(auth_views.PasswordChangeView):
    """Needs the current password; every other session of the person ends (Django keeps
    only this one, by updating its hash)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("profile")

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated and not request.user.has_usable_password():
            return render(request, "accounts/password_change.html", {"no_password": True})
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        password_set_recorded(person=form.user, how="change")
        messages.success(self.request, "Your password is changed; your other sessions ended.")
        return response


def _person_action(request: HttpRequest, user_id: uuid.UUID, action: str) -> HttpResponse:
    person = user_get(user_id=user_id)
    if person is None:
        raise Http404("No such person in this organisation.")
    organisation = _organisation(request)
    try:
        if action == "invite":
            invitation_send(
                person=person, organisation=organisation, actor=Actor.console(request.user)
            )
            done = f"An invitation is on its way to {person.user_name}."
        else:
            password_reset_send(
                person=person, organisation=organisation, actor=Actor.console(request.user)
            )
            done = f"A password reset link is on its way to {person.user_name}."
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("person_detail", args=[person.pk]))


@require_POST
@admin_required
def person_invite(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    return _person_action(request, user_id, "invite")


@require_POST
@admin_required
def person_password_reset(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    return _person_action(request, user_id, "reset")
