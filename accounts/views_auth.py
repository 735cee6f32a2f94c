"""Password sign-in, sign-out and the home page on an organisation's host."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import organisation_get
from accounts.selectors_home import home_setup


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


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Everyone's home; an admin's shows the setup checklist, or a summary once it is done."""
    context = {}
    if request.user.is_admin:
        organisation = organisation_get(slug=request.tenant.schema_name)
        if organisation is not None:
            context["setup"] = home_setup(organisation=organisation)
    return render(request, "accounts/home.html", context)
