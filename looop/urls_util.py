"""Absolute URLs for the public host and organisation hosts."""

from django.conf import settings


def public_url(path: str = "/") -> str:
    return f"{settings.PUBLIC_SCHEME}://{settings.BASE_DOMAIN}{settings.PUBLIC_PORT}{path}"


def org_url(slug: str, path: str = "/") -> str:
    host = f"{slug}.{settings.BASE_DOMAIN}"
    return f"{settings.PUBLIC_SCHEME}://{host}{settings.PUBLIC_PORT}{path}"
