"""Sign in with Microsoft: the public host's side (the one registered callback)."""

from django.urls import URLPattern, URLResolver, path

from sso import views_public

urlpatterns: list[URLPattern | URLResolver] = [
    path("microsoft/login", views_public.MicrosoftLoginView.as_view(), name="sso_microsoft_login"),
    path(
        "microsoft/callback",
        views_public.MicrosoftCallbackView.as_view(),
        name="sso_microsoft_callback",
    ),
]
