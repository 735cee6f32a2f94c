"""The embedded PostgreSQL used when DATABASE_URL is unset.

pgserver ships PostgreSQL binaries in a wheel. The server keeps running after
the process that started it exits, so `make run`, gunicorn workers and tests
all reuse one server under `.looop/`; a file lock makes concurrent starts safe.
"""

import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from filelock import FileLock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / ".looop"
DATABASE_NAME = "looop"

logger = logging.getLogger(__name__)


def data_dir() -> Path:
    return Path(os.environ.get("LOOOP_DATA_DIR", DEFAULT_DIR)).resolve()


def _server(start: bool = True) -> Any:
    # pgserver warns once about XDG_RUNTIME_DIR; it falls back to /tmp, which is fine here.
    warnings.filterwarnings("ignore", module="platformdirs")
    import pgserver

    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / "pgserver.lock"), timeout=120):
        return pgserver.get_server(root / "pgdata", cleanup_mode=None)


def ensure_started() -> dict[str, Any]:
    """Start (or reuse) the embedded server and return Django connection settings."""
    server = _server()
    info = server.get_postmaster_info()
    settings: dict[str, Any] = {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or 5432),
    }
    _ensure_database(settings)
    return settings


def _ensure_database(settings: dict[str, Any]) -> None:
    import psycopg

    conninfo = f"host={settings['HOST']} port={settings['PORT']} user=postgres dbname=postgres"
    lock = FileLock(str(data_dir() / "createdb.lock"), timeout=120)
    with lock, psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def stop() -> None:
    from pgserver._commands import pg_ctl

    pgdata = data_dir() / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        print("embedded database is not running")
        return
    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    print("embedded database stopped")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "stop":
        stop()
    else:
        print(ensure_started())
