"""Sign in with Microsoft: the public host's side (the one registered callback)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
