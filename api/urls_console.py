"""My profile ▸ API tokens, on an organisation's host."""

from django.urls import URLPattern, path

from api import views_console

urlpatterns: list[URLPattern] = [
    path("profile/api-tokens", views_console.api_tokens, name="api_tokens"),
    path("profile/api-tokens/new", views_console.api_token_create_view, name="api_token_create"),
    path(
        "profile/api-tokens/<int:token_id>/revoke",
        views_console.api_token_revoke_view,
        name="api_token_revoke",
    ),
]
