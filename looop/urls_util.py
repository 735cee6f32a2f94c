"""Absolute URLs for the public host and organisation hosts, and paths reversed once."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def public_url(path: str = "/") -> str:
    return f"{settings.PUBLIC_SCHEME}://{settings.BASE_DOMAIN}{settings.PUBLIC_PORT}{path}"


def org_url(slug: str, path: str = "/") -> str:
    host = f"{slug}.{settings.BASE_DOMAIN}"
    return f"{settings.PUBLIC_SCHEME}://{host}{settings.PUBLIC_PORT}{path}"


@functools.lru_cache(maxsize=256)  # callers name fixed routes: a few dozen × two URLconfs
def _reversed(name: str, args: tuple[str, ...], urlconf: str | None, prefix: str) -> str:
    return reverse(name, args=list(args), urlconf=urlconf)


def reverse_once(name: str, *args: str) -> str:
    """`reverse(name, args=args)` kept per process, URLconf and script prefix: each `reverse`
    costs about 0.1 ms (the URLconf's per-language lookups), and every signed-in page's
    navigation and the learner home need several. For fixed arguments only; ids of rows
    would fill the cache."""
    return _reversed(name, args, get_urlconf(), get_script_prefix())
