"""Throttles: password sign-in (slow down, then lock) and organisation sign-up.

Sign-in failures are counted by django-axes in each organisation's own schema (axes is a
tenant app), so acme's lockouts never touch globex's user of the same name. Axes locks an
account or an address after AXES_FAILURE_LIMIT failures; before that, this module asks for
a growing pause between attempts once SIGNIN_SLOWDOWN_AFTER failures have piled up.

Sign-ups and live slug checks are counted per client address in the default cache, which
every process shares (Redis, or the database cache table: looop/cache.py), so the limits hold
across processes and machines. Keys are tenant-aware (django_tenants.cache.make_key).
"""

from contextlib import suppress
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address, trusting X-Forwarded-For only as far as our own proxies reach.

    Each of the TRUSTED_PROXY_COUNT proxies appends the address it saw, so the client is the
    N-th entry from the right; anything further left was written by the client itself.
    """
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def signin_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """Count "Alice@Acme.test" and "alice@acme.test" as one account (sign-in ignores case)."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username")
    return username.strip().lower() if username else None


def signin_pause_seconds(failures: int) -> int:
    """The pause asked for after `failures` recent failures: 2 s, 4 s, 8 s … up to the lock."""
    if failures < settings.SIGNIN_SLOWDOWN_AFTER:
        return 0
    return 2 ** (failures - settings.SIGNIN_SLOWDOWN_AFTER + 1)


def signin_wait_seconds(*, username: str | None, ip_address: str | None) -> int:
    """Seconds this account or address must still wait before its next sign-in attempt."""
    cool_off = get_cool_off() or timedelta(minutes=15)
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    wait = 0
    for field, value in (("username", username), ("ip_address", ip_address)):
        if value is None:
            continue
        row = recent.filter(**{field: value}).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if not row["failures"]:
            continue
        pause = signin_pause_seconds(row["failures"])
        elapsed = (now - row["last"]).total_seconds()
        wait = max(wait, int(pause - elapsed + 0.999))
    return max(wait, 0)


class SignInSlowDownBackend:
    """Refuses a password attempt that comes before the pause is over.

    Placed after axes' backend and before the password backend. Raising PermissionDenied
    stops Django's authenticate() without checking the password; the attempt still counts
    as a failure, so a script that ignores the pause reaches the lock sooner.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None or not username or password is None:
            return None
        wait = signin_wait_seconds(
            username=signin_username(request, {"username": username}),
            ip_address=client_ip(request),
        )
        if wait > 0:
            request.signin_wait_seconds = wait  # type: ignore[attr-defined]
            request.axes_locked_out = True  # type: ignore[attr-defined]  # AxesMiddleware renders it
            raise PermissionDenied("Sign-in attempted before the pause was over.")
        return None

    # No get_user(): this backend never logs anyone in, and Django's test client picks the
    # first backend with get_user() for force_login().


def signin_locked_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page shown instead of the sign-in form while paused or locked (HTTP 429)."""
    wait = getattr(request, "signin_wait_seconds", None)
    if wait:
        context = {
            "locked": False,
            "heading": "Please wait before trying again",
            "message": (
                "There have been several failed sign-in attempts for this account or from "
                f"your network. Wait {wait} second{'' if wait == 1 else 's'}, then try again."
            ),
        }
        retry_after = wait
    else:
        cool_off = get_cool_off(request) or timedelta(minutes=15)
        minutes = max(1, int(cool_off.total_seconds() // 60))
        context = {
            "locked": True,
            "heading": "Sign-in is locked for a while",
            "message": (
                "Too many failed sign-in attempts for this account or from your network. "
                f"Sign-in is locked for {minutes} minutes; each new attempt restarts the wait. "
                "If you have forgotten your password, ask an admin of your organisation."
            ),
        }
        retry_after = int(cool_off.total_seconds())
    response = render(request, "console/sign_in_locked.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _window_key(*, scope: str, key: str, window_seconds: int) -> str:
    window = int(timezone.now().timestamp()) // window_seconds
    return f"ratelimit:{scope}:{key}:{window}"


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> str | None:
    """Count one hit in a fixed window: the counter's key, or None once `limit` hits were
    already counted. The count lives in the shared cache, so W server processes allow
    `limit` in all, not W x limit."""
    cache_key = _window_key(scope=scope, key=key, window_seconds=window_seconds)
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return cache_key
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        return cache_key
    return cache_key if count <= limit else None


def rate_limit_refund(cache_key: str) -> None:
    """Take back one hit (the request it counted did not do the thing)."""
    with suppress(ValueError):  # the window has passed: nothing to take back
        cache.decr(cache_key)


def signup_allowed(request: HttpRequest) -> bool:
    """Count a sign-up from this address, if its hourly allowance is not used up.

    Counted before the work, so that two servers can't both let the last one through; a
    submission that creates nothing gives its hit back (signup_refund).
    """
    counter = rate_limit_hit(
        scope="signup",
        key=client_ip(request) or "unknown",
        limit=settings.SIGNUP_PER_HOUR,
        window_seconds=3600,
    )
    request.signup_counter = counter  # type: ignore[attr-defined]
    return counter is not None


def signup_refund(request: HttpRequest) -> None:
    """An invalid sign-up doesn't count: someone correcting a typo is not locked out."""
    counter = getattr(request, "signup_counter", None)
    if counter:
        rate_limit_refund(counter)
        request.signup_counter = None  # type: ignore[attr-defined]


def slug_check_allowed(request: HttpRequest) -> bool:
    """The live slug check is cheap but enumerable, so it gets its own allowance."""
    return (
        rate_limit_hit(
            scope="slug-check",
            key=client_ip(request) or "unknown",
            limit=settings.SLUG_CHECKS_PER_MINUTE,
            window_seconds=60,
        )
        is not None
    )
