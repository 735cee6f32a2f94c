"""The console's SCIM pages on an organisation's host (included by looop/urls_org.py)."""

from django.urls import URLPattern, URLResolver, path

from scim import console

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "account/authentication/reset-token",
        console.token_reset_view,
        name="account_token_reset",
    ),
    path("account/provisioning", console.provisioning, name="account_provisioning"),
    path(
        "account/provisioning/tokens",
        console.token_create_view,
        name="account_token_create",
    ),
    path(
        "account/provisioning/tokens/<int:token_id>/revoke",
        console.token_revoke_view,
        name="account_token_revoke",
    ),
]
