"""URLs of the public host."""

from django.urls import include, path

from accounts import views_public

urlpatterns = [
    path("", views_public.landing, name="landing"),
    path("find", views_public.find_organisation, name="find_organisation"),
    path("", include("accounts.urls_signup")),
    path("sso/", include("sso.urls_public")),
]

# 503 + Retry-After while the database is unreachable; 400 names refused input.
handler500 = "looop.error_pages.server_error"
handler400 = "looop.error_pages.bad_request"
