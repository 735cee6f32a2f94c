"""A small closed-loop HTTP load generator: N worker processes, one keep-alive connection each.

Hosts are sent as `Host:` headers to 127.0.0.1, so `<org>.looop.localhost` needs no resolver.
"""

import json
import multiprocessing as mp
import socket
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class Connection:
    """A keep-alive HTTP/1.1 connection with a minimal client, so that the load generator
    spends as little of the shared CPU as possible (http.client parses headers with the
    email package: about 0.1 ms per response)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self._sock: socket.socket | None = None
        self._buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = b""
        return sock

    def _exchange(self, data: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        if self._sock is None:
            self._sock = self._connect()
        self._sock.sendall(data)
        while b"\r\n\r\n" not in self._buffer:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self._buffer += chunk
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" not in headers and status not in (204, 304):
            raise RuntimeError(f"Response without Content-Length: {head[:200]!r}")
        length = int(headers.get(b"content-length", b"0"))
        while len(rest) < length:
            chunk = self._sock.recv(max(65536, length - len(rest)))
            if not chunk:
                raise ConnectionError("connection closed")
            rest += chunk
        body, self._buffer = rest[:length], rest[length:]
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None

    def request(
        self,
        method: str,
        host: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        parse: bool = True,
    ) -> tuple[int, Any]:
        """Send one request; the body comes back parsed as JSON, or as bytes with parse=False."""
        payload = json.dumps(body).encode() if body is not None else b""
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if body is not None:
            extra += "Content-Type: application/scim+json\r\n"
        data = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{self.headers}{extra}"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                status, response_headers, content = self._exchange(data)
                break
            except (ConnectionError, OSError):
                # The server may close an idle keep-alive connection; reconnect once.
                self.close()
                if attempt == 2:
                    raise
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.statuses[status] += 1
        if not parse:
            return status, content
        content_type = response_headers.get(b"content-type", b"")
        return status, json.loads(content) if content and b"json" in content_type else content


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
    conn.close()
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
