"""SCIM 2.0 API under /scim/v2 on an organisation's host."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
