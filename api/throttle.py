"""Failed token attempts per client address, counted in the shared cache (Redis, or the
database cache table) like the sign-up limit, so the allowance holds across processes.

Every token attempt reads the counter (one cache read) and only a failure adds to it; an
address past its allowance gets 429 for the rest of the window, even with a right secret,
so guessing cannot go on at full speed. Counts are per fixed window, so a burst across a
window boundary can reach twice the allowance.
"""

from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from accounts.throttle import client_ip


def _key(request: HttpRequest) -> str:
    window = int(timezone.now().timestamp()) // settings.API_TOKEN_FAILURE_WINDOW_SECONDS
    return f"api-token-failures:{client_ip(request) or 'unknown'}:{window}"


def token_attempt_allowed(request: HttpRequest) -> bool:
    return (cache.get(_key(request)) or 0) < settings.API_TOKEN_FAILURES_PER_WINDOW


def token_attempt_failed(request: HttpRequest) -> None:
    key, timeout = _key(request), settings.API_TOKEN_FAILURE_WINDOW_SECONDS + 1
    if cache.add(key, 1, timeout=timeout):
        return
    with suppress(ValueError):  # expired between add() and incr(): start again
        cache.incr(key)
        return
    cache.add(key, 1, timeout=timeout)
