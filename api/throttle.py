"""Failed token attempts per client address, counted in the shared cache like sign-ups
(accounts.throttle.rate_limit_hit): every token attempt takes a hit before the check and a
valid token gives it back, so only failures add up, and an address past its allowance gets
429 for the rest of the window, even with a right guess."""

from django.conf import settings
from django.http import HttpRequest

from accounts.throttle import client_ip, rate_limit_hit, rate_limit_refund

SCOPE = "api-token"


def token_attempt_begin(request: HttpRequest) -> str | None:
    """Count an attempt: its counter key, or None when the address is over its allowance."""
    return rate_limit_hit(
        scope=SCOPE,
        key=client_ip(request) or "unknown",
        limit=settings.API_TOKEN_FAILURES_PER_WINDOW,
        window_seconds=settings.API_TOKEN_FAILURE_WINDOW_SECONDS,
    )


def token_attempt_succeeded(counter: str) -> None:
    rate_limit_refund(counter)
