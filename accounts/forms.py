"""Console and sign-up forms: input shape only; the rules live in services."""

from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.org_names import MAX_LENGTH as MAX_NAME
from accounts.org_names import InvalidOrganisationName, organisation_name_validate
from accounts.selectors import organisation_slug_available
from accounts.slugs import InvalidSlug, slug_normalise, slug_validate


class ConsoleForm(forms.Form):
    """Labels without Django's trailing colon, like the rest of the console."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PersonCreateForm(ConsoleForm):
    email = forms.EmailField(label="Email", max_length=254)
    name_given = forms.CharField(label="Given name", max_length=255, required=False)
    name_family = forms.CharField(label="Family name", max_length=255, required=False)
    role = forms.ChoiceField(label="Role", choices=User.Role.choices, initial=User.Role.MEMBER)
    password = forms.CharField(
        label="Password",
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to email them an invitation to choose their own (or, with "
        "Microsoft sign-in on, to sign in with Microsoft). Or set one and give it to them "
        "in person.",
    )


class PersonEditForm(ConsoleForm):
    name_given = forms.CharField(label="Given name", max_length=255, required=False)
    name_family = forms.CharField(label="Family name", max_length=255, required=False)
    display_name = forms.CharField(label="Display name", max_length=255, required=False)
    title = forms.CharField(label="Job title", max_length=255, required=False)
    department = forms.CharField(label="Department", max_length=255, required=False)


class TokenCreateForm(ConsoleForm):
    name = forms.CharField(label="Token name", max_length=100)
    expires_on = forms.DateField(
        label="Expires on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The token stops working at 00:00 UTC on this day. Leave empty for no expiry.",
    )

    def clean_expires_on(self) -> date | None:
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on <= timezone.now().date():
            raise ValidationError("Choose a day after today.")
        return expires_on

    def expires_at(self) -> datetime | None:
        expires_on = self.cleaned_data.get("expires_on")
        return datetime.combine(expires_on, time.min, tzinfo=UTC) if expires_on else None


class SignupForm(ConsoleForm):
    name = forms.CharField(
        label="Organisation name", widget=forms.TextInput(attrs={"maxlength": MAX_NAME})
    )
    # No max_length validator: slug_validate() alone decides, with the same message the live
    # address check shows for the same input.
    slug = forms.CharField(
        label="Address",
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": 63}),
        help_text="Lowercase letters, digits and hyphens. Your people sign in at this address.",
    )
    email = forms.EmailField(label="Your email", max_length=254)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_name(self) -> str:
        try:
            return organisation_name_validate(self.cleaned_data["name"])
        except InvalidOrganisationName as exc:
            raise ValidationError(str(exc)) from None

    def clean_slug(self) -> str:
        slug = slug_normalise(self.cleaned_data["slug"])
        try:
            slug_validate(slug)
        except InvalidSlug as exc:
            raise ValidationError(str(exc)) from None
        if not organisation_slug_available(slug=slug):
            raise ValidationError(f"'{slug}' is already taken; choose another address.")
        return slug

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        password, email = cleaned.get("password"), cleaned.get("email")
        if password:
            try:
                validate_password(password, user=User(user_name=email or "", email=email))
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned
