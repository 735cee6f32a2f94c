"""CPU time of the server's processes, read from /proc (Linux), to report CPU per request.

Throughput on a shared two-core machine swings with whatever else runs on it; the CPU a
request costs the server and the database swings much less, so the benchmark prints both.
"""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, user + system CPU seconds) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def server_cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the app server (its process and children) and of every local
    PostgreSQL process. Processes that exited are not counted, so read it while they run."""
    processes = _processes()
    app = {server_pid}
    for pid, (_, parent, _) in processes.items():
        if parent == server_pid:
            app.add(pid)
    return {
        "app": sum(processes[p][2] for p in app if p in processes),
        "postgres": sum(cpu for name, _, cpu in processes.values() if name == "postgres"),
    }
