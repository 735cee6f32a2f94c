"""The admin console on an organisation's host: people, groups, Account pages."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
