"""CPU time of the server's processes, read from /proc (Linux), to report CPU per request.

Throughput on a shared two-core machine swings with whatever else runs on it; the CPU a
request costs the server and the database swings much less, so the benchmark prints both.
On a virtual machine it also prints the share of CPU time the hypervisor gave to other
guests ("steal"): when that is high, every figure of that run is low.
"""

import json
import multiprocessing
import os
import time
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


def machine_seconds() -> dict[str, float]:
    """CPU seconds so far of all CPUs together, and of those stolen by the hypervisor."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    return {"total": sum(fields[:8]) / TICKS, "steal": fields[7] / TICKS}


def _calibration(cpu: int, results: "multiprocessing.Queue[tuple[int, float]]") -> None:
    os.sched_setaffinity(0, {cpu})
    document = {"userName": "user@contoso.com", "emails": [{"value": "user@contoso.com"}] * 4}
    document |= {f"attribute{i}": f"value {i}" for i in range(30)}
    started = time.process_time()
    for _ in range(5000):
        json.loads(json.dumps(document))
    results.put((cpu, round((time.process_time() - started) * 1000, 1)))


def calibration_ms() -> list[float]:
    """CPU milliseconds a fixed piece of Python work (encoding and decoding a SCIM-sized
    document 5,000 times) takes on each CPU, all CPUs at once: this machine's speed at
    this moment, to compare runs made at different times. Lower is faster."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    cpus = sorted(os.sched_getaffinity(0))
    workers = [context.Process(target=_calibration, args=(cpu, results)) for cpu in cpus]
    for worker in workers:
        worker.start()
    found = dict(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join()
    return [found[cpu] for cpu in cpus]
