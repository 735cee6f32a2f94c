"""Helpers for benchmarks: a dedicated database and a gunicorn server with production settings."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "k" * 50


def fresh_database(name: str) -> str:
    """Create an empty database on the embedded server (or DATABASE_URL's) and return its URL."""
    url = os.environ.get("DATABASE_URL")
    if url:
        base, _, _ = url.rpartition("/")
        admin_url, bench_url = f"{base}/postgres", f"{base}/{name}"
    else:
        sys.path.insert(0, str(ROOT))
        from looop.embedded_db import ensure_started

        db = ensure_started()
        host = quote(db["HOST"], safe="")
        admin_url = f"postgres://postgres@{host}:{db['PORT']}/postgres"
        bench_url = f"postgres://postgres@{host}:{db['PORT']}/{name}"
    with psycopg.connect(
        admin_url.replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return bench_url


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", SECRET)
    os.environ.setdefault("LOOOP_TRUSTED_PROXIES", "0")  # production settings ask for it
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "looop.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("setup_database", verbosity=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(
    database_url: str,
    *,
    workers: int,
    threads: int,
    log: Path,
    extra_env: dict[str, str] | None = None,
    worker_class: str = "gthread",
    keep_alive: int = 75,
    worker_connections: int = 1000,
) -> tuple[subprocess.Popen, int]:
    """Start gunicorn with production settings (DEBUG off, secure cookies, SSL behind a proxy).

    `extra_env` sets LOOOP_* settings for this server (others are not inherited)."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LOOOP_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(DATABASE_URL=database_url, SECRET_KEY=os.environ.get("SECRET_KEY", SECRET))
    env["LOOOP_TRUSTED_PROXIES"] = "0"  # the load generator connects directly
    env.update(extra_env or {})
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    args = [
        sys.executable, "-m", "gunicorn", "looop.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
        "--keep-alive", str(keep_alive), "--timeout", "60",
        "--worker-connections", str(worker_connections),
        "--config", "python:looop.gunicorn_conf",  # metrics from all workers, as `make serve`
    ]  # fmt: skip
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


# Production settings redirect plain HTTP to HTTPS; a load balancer would say it terminated TLS.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
