"""Loaded by pytest before Django (see pyproject addopts): test-time environment."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("LOOOP_SECURE", "0")  # the test client and live servers speak plain HTTP
os.environ.setdefault("LOOOP_SCHEME", "http")
# Playwright's sync API keeps an event loop in the test thread; Django's ORM calls from
# that thread are still synchronous and safe, so lift Django's async-context guard.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("LOOOP_TRUSTED_PROXIES", "0")  # test clients connect directly
