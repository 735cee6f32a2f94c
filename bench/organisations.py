"""Organisation creation time, and routing cost with 1 versus N organisations.

    .venv/bin/python bench/organisations.py [--orgs 200] [--requests 4000]

Prints the median and p95 of organisation creation (schema cloned from the template),
then the requests/s of a trivial org page (GET /login) with 1 organisation and with N.
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.server import PROXY_HEADERS, ROOT, django_setup, fresh_database, gunicorn  # noqa: E402


def login_page(conn: loadgen.Connection, host: str) -> None:
    status, _ = conn.request("GET", host, "/login")
    assert status == 200, status


def measure(hosts: list[str], requests: int, port: int, concurrency: int) -> dict:
    loadgen.run(
        "warm-up", login_page, hosts * 4, port=port, concurrency=concurrency, headers=PROXY_HEADERS
    )
    items = [random.choice(hosts) for _ in range(requests)]
    result = loadgen.run(
        f"{len(hosts)} org(s)",
        login_page,
        items,
        port=port,
        concurrency=concurrency,
        headers=PROXY_HEADERS,
    )
    return result.summary()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    url = fresh_database("looop_bench_orgs")
    django_setup(url)
    from accounts.services import organisation_create, organisation_host

    def create(i: int) -> float:
        started = time.perf_counter()
        organisation_create(
            slug=f"bench{i:05d}",
            name=f"Bench {i}",
            admin_email=f"admin@bench{i}.test",
            admin_password=None,
        )
        return (time.perf_counter() - started) * 1000

    timings = [create(0)]
    process, port = gunicorn(
        url, workers=args.workers, threads=args.threads, log=ROOT / ".looop" / "bench-orgs.log"
    )
    try:
        one = measure([organisation_host("bench00000")], args.requests, port, args.concurrency)
        timings += [create(i) for i in range(1, args.orgs)]
        hosts = [organisation_host(f"bench{i:05d}") for i in range(args.orgs)]
        many = measure(hosts, args.requests, port, args.concurrency)
    finally:
        process.terminate()
        process.wait(10)

    ordered = sorted(timings)
    summary = {
        "organisations": args.orgs,
        "create_median_ms": round(statistics.median(ordered), 1),
        "create_p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))], 1),
        "create_max_ms": round(ordered[-1], 1),
        "server": f"gunicorn gthread, {args.workers} workers x {args.threads} threads",
        "concurrency": args.concurrency,
        "page_with_1_org": one,
        f"page_with_{args.orgs}_orgs": many,
    }
    median, p95 = summary["create_median_ms"], summary["create_p95_ms"]
    print(f"Organisation creation: median {median} ms, p95 {p95} ms")
    print(f"GET /login with 1 org:   {one['req_per_s']} req/s (p99 {one['p99_ms']} ms)")
    print(f"GET /login with {args.orgs} orgs: {many['req_per_s']} req/s (p99 {many['p99_ms']} ms)")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
