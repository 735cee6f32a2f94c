"""Password sign-in, sign-out and the home page on an organisation's host."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.passwords import MICROSOFT_ONLY_SIGN_IN, microsoft_only
from accounts.selectors import organisation_get


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


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")
