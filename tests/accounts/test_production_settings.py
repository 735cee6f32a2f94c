"""Production settings come from the environment and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k3y-" + "q9Zx" * 16,
    "LOOOP_BASE_DOMAIN": "looop.co",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LOOOP_", "DJANGO_")) and k != "SECRET_KEY"
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
