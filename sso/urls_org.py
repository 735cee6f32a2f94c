"""Sign in with Microsoft: the organisation host's side (start, hand-off landing, connect)."""

from django.urls import URLPattern, URLResolver, path

from sso import views_org

urlpatterns: list[URLPattern | URLResolver] = [
    path("microsoft/start", views_org.sign_in_start, name="sso_microsoft_start"),
    path("microsoft/complete", views_org.complete, name="sso_microsoft_complete"),
    path("microsoft/connect", views_org.connect_start, name="sso_microsoft_connect"),
    path("microsoft/disconnect", views_org.disconnect, name="sso_microsoft_disconnect"),
    path("microsoft/creation", views_org.creation_setting, name="sso_microsoft_creation"),
    path("microsoft/sign-out", views_org.sign_out, name="sso_microsoft_sign_out"),
]
