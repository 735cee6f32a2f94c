"""The embedded PostgreSQL: started from nothing, reused, and safe to start concurrently."""

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(data_dir: Path) -> dict:
    env = {**os.environ, "LOOOP_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "looop.embedded_db"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def server_started_at(settings: dict) -> int:
    conninfo = f"host={settings['HOST']} port={settings['PORT']} user=postgres dbname=looop"
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT pg_postmaster_start_time()::text, 1").fetchone()[0]


@pytest.fixture
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("embedded")
    yield path
    subprocess.run(
        [sys.executable, "-m", "looop.embedded_db", "stop"],
        cwd=ROOT, env={**os.environ, "LOOOP_DATA_DIR": str(path)}, capture_output=True, timeout=60,
    )  # fmt: skip


def test_starts_from_nothing_then_is_reused(data_dir):
    assert not (data_dir / "pgdata").exists()
    first = start(data_dir)
    assert (data_dir / "pgdata" / "PG_VERSION").exists()
    started_at = server_started_at(first)
    second = start(data_dir)
    assert second == first
    assert server_started_at(second) == started_at  # the same server process, not a restart


def test_concurrent_starts_share_one_server(data_dir):
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: start(data_dir), range(3)))
    assert results[0] == results[1] == results[2]
    pgdata = str(data_dir / "pgdata")
    postmasters = [
        p
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and pgdata in p.info["cmdline"]
    ]
    assert len(postmasters) == 1
    assert server_started_at(results[0])
