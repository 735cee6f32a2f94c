"""Production settings come from the environment and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k3y-" + "q9Zx" * 16,
    "LOOOP_BASE_DOMAIN": "looop.co",
    "LOOOP_TRUSTED_PROXIES": "1",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LOOOP_", "DJANGO_")) and k not in ("SECRET_KEY", "REDIS_URL")
    }
    base["LOOOP_DATA_DIR"] = os.environ.get("LOOOP_DATA_DIR", str(ROOT / ".looop"))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_required_without_debug():
    result = manage("check", LOOOP_BASE_DOMAIN="looop.co")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when LOOOP_DEBUG is off." in result.stderr


def test_production_values():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.ALLOWED_HOSTS)"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip().splitlines()[-1]
        == "False True True True 31536000 ['looop.co', '.looop.co']"
    )


def test_trusted_proxies_must_be_chosen_in_production():
    """Behind a balancer, 0 would give every client the balancer's address (one lockout for
    everyone), so production settings don't guess."""
    unset = {k: v for k, v in PRODUCTION.items() if k != "LOOOP_TRUSTED_PROXIES"}
    result = manage("check", **unset)
    assert result.returncode != 0
    assert (
        "LOOOP_TRUSTED_PROXIES must be set when LOOOP_DEBUG is off: the number of proxies "
        "(load balancers) in front of Looop that append to X-Forwarded-For, or 0 if clients "
        "connect to Looop directly."
    ) in result.stderr
    assert manage("check", **unset, LOOOP_TRUSTED_PROXIES=" ").returncode != 0
    negative = manage("check", **{**PRODUCTION, "LOOOP_TRUSTED_PROXIES": "-1"})
    assert "LOOOP_TRUSTED_PROXIES must be 0 or more." in negative.stderr


def test_zero_trusted_proxies_is_a_valid_choice_and_debug_needs_none():
    code = "from django.conf import settings as s; print(s.TRUSTED_PROXY_COUNT)"
    direct = manage("shell", "-c", code, **{**PRODUCTION, "LOOOP_TRUSTED_PROXIES": "0"})
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout.strip().splitlines()[-1] == "0"
    debug = manage("shell", "-c", code, LOOOP_DEBUG="1")
    assert debug.returncode == 0, debug.stderr
    assert debug.stdout.strip().splitlines()[-1] == "0"


def test_the_shared_cache_is_redis_with_a_url_else_the_database_table():
    code = (
        "from django.conf import settings as s; d = s.CACHES['default'];"
        "print(d['BACKEND'], d['LOCATION'], d['KEY_FUNCTION'])"
    )
    redis = manage("shell", "-c", code, **PRODUCTION, REDIS_URL="redis://cache.internal:6379/0")
    assert redis.returncode == 0, redis.stderr
    assert redis.stdout.strip().splitlines()[-1] == (
        "django.core.cache.backends.redis.RedisCache redis://cache.internal:6379/0"
        " django_tenants.cache.make_key"
    )
    database = manage("shell", "-c", code, **PRODUCTION)
    assert database.stdout.strip().splitlines()[-1] == (
        "looop.cache.CounterDatabaseCache looop_cache django_tenants.cache.make_key"
    )
