"""gunicorn settings for Prometheus' multiprocess mode (`--config python:looop.gunicorn_conf`).

Each worker writes its metrics to files in `PROMETHEUS_MULTIPROC_DIR` and `/metrics` adds
them up. The directory must belong to this server alone and start empty: figures left by
an earlier run would be added in. `make serve` passes one under `.looop/`; without one, a
fresh temporary directory is made. The variable is set here, in the master, before any
worker imports prometheus-client, which reads it once at import.
"""

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

TEMPORARY = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if TEMPORARY:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="looop-metrics-")


def on_starting(server: Any) -> None:
    """Start from an empty directory: clear what an earlier run of this server left."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker's counters stay (they are still part of the totals); its live gauges go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if TEMPORARY:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
