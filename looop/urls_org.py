"""URLs of an organisation's host."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from accounts import views_auth

urlpatterns = [
    path("", views_auth.home, name="home"),
    path("login", views_auth.SignInView.as_view(), name="login"),
    path("logout", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    re_path(r"^scim/v2(?:/|$)", include("scim.urls")),
    path("sso/", include("sso.urls_org")),
    path("", include("accounts.urls_console")),
    path("", include("accounts.urls_password")),
]

# SCIM clients get SCIM errors (503 + Retry-After on database failures), others Django's page.
handler500 = "scim.views.errors.server_error"
handler400 = "looop.error_pages.bad_request"
