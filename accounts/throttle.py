"""Throttles: password sign-in (slow down, then lock) and organisation sign-up.

Sign-in failures are counted by django-axes in each organisation's own schema (axes is a
tenant app), so acme's lockouts never touch globex's user of the same name. Failures count
per (account, client address), and per address with a higher limit: someone who types a
colleague's name with wrong passwords locks that account for their own address only, never
for the colleague elsewhere. Before the lock, this module asks for a growing pause between
attempts of one (account, address) once SIGNIN_SLOWDOWN_AFTER failures have piled up. An
attempt made while locked or paused is refused without being counted, so it neither
restarts the lock nor brings it closer.

Sign-ups and live slug checks are counted per client address in the default cache, which
every process shares (Redis, or the database cache table: looop/cache.py), so the limits hold
across processes and machines. Keys are tenant-aware (django_tenants.cache.make_key).
"""

from contextlib import suppress
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet, Sum
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


def _cool_off() -> timedelta:
    return get_cool_off() or timedelta(minutes=15)


def _recent_failures(
    *, username: str | None, ip_address: str | None
) -> tuple[QuerySet[AccessAttempt], QuerySet[AccessAttempt]]:
    """This (account, address)'s and this address's failures within the cool-off window."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - _cool_off())
    return recent.filter(username=username, ip_address=ip_address), recent.filter(
        ip_address=ip_address
    )


def _count(attempts: QuerySet[AccessAttempt]) -> tuple[int, Any]:
    row = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    return row["failures"] or 0, row["last"]


def signin_wait_seconds(*, username: str | None, ip_address: str | None) -> int:
    """Seconds this account must still wait, from this address, before its next attempt."""
    failures, last = _count(_recent_failures(username=username, ip_address=ip_address)[0])
    if not failures:
        return 0
    elapsed = (timezone.now() - last).total_seconds()
    return max(int(signin_pause_seconds(failures) - elapsed + 0.999), 0)


def signin_lock_seconds(*, username: str | None, ip_address: str | None) -> int:
    """At most how long the lock on this (account, address) or this address lasts."""
    pair, address = _recent_failures(username=username, ip_address=ip_address)
    now, cool_off, ends = timezone.now(), _cool_off(), []
    for attempts, limit in (
        (pair, settings.AXES_FAILURE_LIMIT),
        (address, settings.SIGNIN_ADDRESS_FAILURE_LIMIT),
    ):
        failures, last = _count(attempts)
        if failures >= limit:
            ends.append(last + cool_off)
    return max(int((max(ends) - now).total_seconds() + 0.999), 1) if ends else 0


class SignInAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler, with two limits instead of one.

    AXES_LOCKOUT_PARAMETERS gives axes two sets of attempts: this (account, address)'s and
    this address's. Axes compares one number with one limit (AXES_FAILURE_LIMIT), so an
    address past its own, higher limit (SIGNIN_ADDRESS_FAILURE_LIMIT) reports that limit.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair


class SignInSlowDownBackend:
    """Refuses a password attempt that comes before the pause is over.

    Placed after axes' backend and before the password backend. Raising PermissionDenied
    stops Django's authenticate() without checking the password. The attempt is flagged as
    refused (axes_locked_out), so axes doesn't count it: it guessed nothing.
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
                "There have been several failed sign-in attempts for this account from your "
                f"network. Wait {wait} second{'' if wait == 1 else 's'}, then try again."
            ),
        }
        retry_after = wait
    else:
        retry_after = signin_lock_seconds(
            username=signin_username(request, credentials), ip_address=client_ip(request)
        ) or int(_cool_off().total_seconds())
        minutes = max(1, (retry_after + 59) // 60)
        context = {
            "locked": True,
            "heading": "Sign-in is locked for a while",
            "message": (
                "Too many failed sign-in attempts for this account from your network, or "
                f"from your network in all. Try again in {minutes} minute"
                f"{'' if minutes == 1 else 's'}; attempts in the meantime don't extend the "
                "wait. If you have forgotten your password, ask an admin of your organisation."
            ),
        }
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
