"""Sign in with Microsoft: the organisation host's side (start, hand-off landing)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
