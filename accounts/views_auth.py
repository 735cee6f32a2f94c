"""Password sign-in, sign-out and the home page on an organisation's host."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from accounts.models import User
from accounts.passwords import MICROSOFT_ONLY_SIGN_IN, microsoft_only
from accounts.selectors import organisation_get
from accounts.selectors_home import home_setup
from accounts.signup_welcome import BACKEND as WELCOME_BACKEND
from accounts.signup_welcome import welcome_cookie_clear, welcome_user


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Email",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": "That email and password don't match an active account here.",
        "inactive": "This account is deactivated.",
    }

    def confirm_login_allowed(self, user: User) -> None:
        """After the right password: refused to people who sign in with Microsoft only
        (accounts/passwords.py). Only someone who knows the password learns why."""
        super().confirm_login_allowed(user)
        organisation = organisation_get(slug=self.request.tenant.schema_name)
        if organisation is not None and microsoft_only(user, organisation):
            raise forms.ValidationError(
                MICROSOFT_ONLY_SIGN_IN.format(organisation=organisation.name),
                code="microsoft_only",
            )


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """Sign out (POST), back to the sign-in page with a notice that it worked."""

    next_page = "login"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.info(request, "You are signed out.")
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Everyone's home; an admin's shows the setup checklist, or a summary once it is done."""
    context: dict[str, Any] = {}
    if request.user.is_admin:
        organisation = organisation_get(slug=request.tenant.schema_name)
        if organisation is not None:
            context["setup"] = home_setup(organisation=organisation)
    return render(request, "accounts/home.html", context)


def welcome(request: HttpRequest) -> HttpResponse:
    """Where sign-up sends the new admin: signed in here, welcomed, on the home checklist.
    A ticket that is not good (expired, used, another browser) leads to the sign-in page."""
    user = welcome_user(request=request, ticket=request.GET.get("ticket", ""))
    if user is None:
        messages.info(request, "Your organisation is ready. Sign in with the password you chose.")
        response = HttpResponseRedirect(reverse("login"))
    else:
        login(request, user, backend=WELCOME_BACKEND)
        messages.success(
            request,
            f"Welcome to Looop, {user.full_name}! {request.tenant.name} is ready."
            " The checklist below takes you through connecting Microsoft Entra ID.",
        )
        response = HttpResponseRedirect(reverse("home"))
    welcome_cookie_clear(response)
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"  # the ticket is in this page's URL
    return response
