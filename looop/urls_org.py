"""URLs of an organisation's host."""

from django.urls import include, path

from accounts import views_auth
from learning import views_learner

urlpatterns = [
    path("", views_learner.home, name="home"),  # my learning, for admins and members
    path("login", views_auth.SignInView.as_view(), name="login"),
    path("logout", views_auth.SignOutView.as_view(), name="logout"),
    path("welcome", views_auth.welcome, name="signup_welcome"),
    path("sso/", include("sso.urls_org")),
    path("", include("accounts.urls_console")),
    path("", include("accounts.urls_password")),
    path("", include("scim.urls_console")),
    path("", include("learning.urls_learner")),
    path("", include("learning.urls_console")),
    path("", include("api.urls_console")),
    path("api/v1/", include("api.urls")),
    path("", include("campaigns.urls_console")),
]

# /scim/v2 never reaches these patterns: the routing middleware hands it to scim.entry.
# SCIM clients get SCIM errors (503 + Retry-After on database failures), others Django's page.
handler500 = "scim.views.errors.server_error"
handler400 = "looop.error_pages.bad_request"
