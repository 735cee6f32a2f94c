"""Loaded by pytest before Django (see pyproject addopts): test-time environment."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("LOOOP_SECURE", "0")  # the test client and live servers speak plain HTTP
os.environ.setdefault("LOOOP_SCHEME", "http")
