"""A small closed-loop HTTP load generator: N worker processes, one keep-alive connection each.

Hosts are sent as `Host:` headers to 127.0.0.1, so `<org>.looop.localhost` needs no resolver.
"""

import http.client
import json
import multiprocessing as mp
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class Connection:
    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self,
        method: str,
        host: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Host": host, **self.headers, **(headers or {})}
        if payload is not None:
            all_headers.setdefault("Content-Type", "application/scim+json")
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self._conn.request(method, path, body=payload, headers=all_headers)
                response = self._conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server may close an idle keep-alive connection; reconnect once.
                self._conn.close()
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.statuses[response.status] += 1
        if response.getheader("Connection", "").lower() == "close":
            self._conn.close()
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        content_type = response.getheader("Content-Type", "")
        return response.status, json.loads(data) if data and "json" in content_type else data


@dataclass
class Result:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    elapsed_s: float = 0.0
    outputs: list[Any] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self, unit: str = "req") -> dict[str, Any]:
        non_2xx = sum(n for s, n in self.statuses.items() if not 200 <= s < 300)
        return {
            "phase": self.name,
            "requests": self.requests,
            f"{unit}_per_s": round(self.requests / self.elapsed_s, 1) if self.elapsed_s else 0,
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
            "non_2xx": non_2xx,
            "statuses": dict(self.statuses),
        }


def _worker(args: tuple) -> tuple[list[float], Counter, list[Any]]:
    job, items, port, headers = args
    conn = Connection(port, headers)
    outputs = [job(conn, item) for item in items]
    return conn.latencies, conn.statuses, outputs


def run(
    name: str,
    job: Callable[[Connection, Any], Any],
    items: Sequence[Any],
    *,
    port: int,
    concurrency: int = 8,
    headers: dict[str, str] | None = None,
) -> Result:
    """Run job(conn, item) for every item, spread over `concurrency` processes."""
    chunks = [list(items[i::concurrency]) for i in range(concurrency)]
    ctx = mp.get_context("fork")
    with ctx.Pool(concurrency) as pool:
        started = time.perf_counter()
        parts = pool.map(_worker, [(job, chunk, port, headers) for chunk in chunks])
        elapsed = time.perf_counter() - started
    result = Result(name=name, elapsed_s=elapsed)
    for latencies, statuses, outputs in parts:
        result.latencies_ms.extend(latencies)
        result.statuses.update(statuses)
        result.outputs.extend(outputs)
    return result
