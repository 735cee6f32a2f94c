"""URLs of the public host."""

from django.urls import path

from accounts import views_public

urlpatterns = [
    path("", views_public.landing, name="landing"),
    path("find", views_public.find_organisation, name="find_organisation"),
]
