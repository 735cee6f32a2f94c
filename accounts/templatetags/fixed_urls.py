"""`{% fixed_url "name" %}`: `{% url "name" %}` for a route without arguments, reversed once
per process, URLconf and script prefix. Every signed-in page's navigation reverses three to
ten of them, and each `reverse` costs about 0.1 ms of CPU (the URLconf's per-language
lookups), which the learner home's p99 under load cannot spare (docs/performance.md)."""

import functools

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@functools.lru_cache(maxsize=256)  # a few dozen routes × the two URLconfs
def _reversed(name: str, urlconf: str | None, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def fixed_url(name: str) -> str:
    return _reversed(name, get_urlconf(), get_script_prefix())
