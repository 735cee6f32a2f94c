"""One organisation's costly filters against another organisation's reads, on a live gunicorn.

    .venv/bin/python bench/isolation.py [--preload 100000] [--attackers 8] [--seconds 60]
                                        [--workers 3] [--threads 4] [--cap 2] [--costly 1]
                                        [--list-budget-ms 5000]

Organisation A (alpha) has --preload users; organisation B (beta) has 1,000. Phases:
(1) B alone: B's clients read `GET /Users/<id>` for --baseline-seconds;
(2) the same reads for --seconds while --attackers processes of A send, in a loop, the
costliest filter the API accepts to `POST /Users/.search` (as Entra honours Retry-After,
they wait that long after a 429); (3) what is still running in PostgreSQL once A stops.
Before that, it sends the issue's filter (300 × `emails co`) once and prints the answer.

The defaults are the production ones (`make serve`'s 4 threads per worker, the settings'
defaults). Prints B's p50/p95/p99 per phase (429s included: check B's statuses), A's
statuses, the CPU used by gunicorn and PostgreSQL, and the machine's speed before and after
(bench/cpu.py: ms per CPU, lower is faster), then JSON.
`--cap 0 --costly 0 --list-budget-ms 0` runs the same attack without the protections.
"""

import argparse
import json
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.cpu import calibration_ms, machine_seconds, server_cpu_seconds  # noqa: E402
from bench.entra_load import preload_users  # noqa: E402
from bench.server import PROXY_HEADERS, ROOT, django_setup, fresh_database, gunicorn  # noqa: E402

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
B_USERS = 1000
RETRY_AFTER_SECONDS = 2  # the server's default


def costliest_filter(comparisons: int) -> str:
    """The filter that costs most among those accepted: every term reads every user's email
    list (ordering has no index on lists) and none matches, so no term short-cuts the `or`."""
    return " or ".join(f'emails.value gt "zzz{i}"' for i in range(comparisons))


def issue_filter() -> str:
    """The filter of the incident: 300 substring matches on emails."""
    return " or ".join(f'emails co "x{i}@ex.com"' for i in range(300))


def attacker(port: int, host: str, token: str, body: dict, until: float, out: mp.Queue) -> None:
    conn = loadgen.Connection(port, {**PROXY_HEADERS, "Authorization": f"Bearer {token}"})
    statuses: dict[int, int] = {}
    while time.monotonic() < until:
        status, _ = conn.request("POST", host, "/scim/v2/Users/.search", body, parse=False)
        statuses[status] = statuses.get(status, 0) + 1
        if status == 429:  # Entra honours Retry-After (LOOOP_ORG_RETRY_AFTER_SECONDS)
            time.sleep(RETRY_AFTER_SECONDS)
    conn.close()
    out.put(statuses)


def reader(port: int, host: str, token: str, ids: list[str], until: float, out: mp.Queue) -> None:
    conn = loadgen.Connection(port, {**PROXY_HEADERS, "Authorization": f"Bearer {token}"})
    rng = random.Random()
    while time.monotonic() < until:
        conn.request("GET", host, f"/scim/v2/Users/{rng.choice(ids)}", parse=False)
    conn.close()
    out.put((conn.latencies, dict(conn.statuses)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--preload", type=int, default=100_000)
    parser.add_argument("--attackers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)  # as `make serve`
    parser.add_argument("--cap", type=int, default=2, help="LOOOP_ORG_CONCURRENT_REQUESTS")
    parser.add_argument("--costly", type=int, default=1, help="LOOOP_ORG_CONCURRENT_COSTLY_FILTERS")
    parser.add_argument("--list-budget-ms", type=int, default=5000)
    parser.add_argument("--comparisons", type=int, default=100)
    args = parser.parse_args()

    url = fresh_database("looop_bench_isolation")
    django_setup(url)
    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.services import organisation_create, organisation_host
    from scim.services import token_create

    tokens, hosts = {}, {}
    for slug in ("alpha", "beta"):
        organisation_create(
            slug=slug, name=slug.title(), admin_email=f"admin@{slug}.test", admin_password=None
        )
        with schema_context(slug):
            _, tokens[slug] = token_create(name="Entra provisioning")
        hosts[slug] = organisation_host(slug)
    preload_users("alpha", args.preload)
    preload_users("beta", B_USERS)
    with schema_context("beta"):
        b_ids = [str(pk) for pk in User.objects.values_list("pk", flat=True)]

    extra_env = {
        "LOOOP_ORG_CONCURRENT_REQUESTS": str(args.cap),
        "LOOOP_ORG_CONCURRENT_COSTLY_FILTERS": str(args.costly),
        "LOOOP_DB_LIST_STATEMENT_TIMEOUT_MS": str(args.list_budget_ms),
    }
    process, port = gunicorn(
        url,
        workers=args.workers,
        threads=args.threads,
        log=ROOT / ".looop" / "bench-isolation.log",
        extra_env=extra_env,
    )
    a_headers = {**PROXY_HEADERS, "Authorization": f"Bearer {tokens['alpha']}"}
    search = {"schemas": [SEARCH], "count": 10}
    ctx = mp.get_context("fork")

    def measured(name: str, seconds: float, attackers: int) -> dict:
        speed = calibration_ms()
        before, machine_before = server_cpu_seconds(process.pid), machine_seconds()
        until = time.monotonic() + seconds
        out: mp.Queue = ctx.Queue()
        body = {**search, "filter": costliest_filter(args.comparisons)}
        procs = [
            ctx.Process(
                target=attacker, args=(port, hosts["alpha"], tokens["alpha"], body, until, out)
            )
            for _ in range(attackers)
        ] + [
            ctx.Process(
                target=reader, args=(port, hosts["beta"], tokens["beta"], b_ids, until, out)
            )
            for _ in range(args.readers)
        ]
        started = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get(timeout=seconds + 600) for _ in procs]
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - started
        after, machine_after = server_cpu_seconds(process.pid), machine_seconds()
        b = loadgen.Result(name=name, elapsed_s=elapsed)
        a_statuses: dict[int, int] = {}
        for item in results:
            if isinstance(item, tuple):
                b.latencies_ms.extend(item[0])
                b.statuses.update(item[1])
            else:
                for status, n in item.items():
                    a_statuses[status] = a_statuses.get(status, 0) + n
        summary = b.summary()
        machine = {k: machine_after[k] - machine_before[k] for k in machine_after}
        summary |= {
            "a_statuses": a_statuses,
            "app_cpu_s": round(after["app"] - before["app"], 1),
            "postgres_cpu_s": round(after["postgres"] - before["postgres"], 1),
            "steal_percent": round(100 * machine["steal"] / max(machine["total"], 1e-9), 1),
            "calibration_ms": {"before": speed, "after": calibration_ms()},
        }
        print(
            f"{name:<32} B GET /Users/<id>: {summary['requests']:>6} req  "
            f"{summary['req_per_s']:>7} req/s  p50 {summary['p50_ms']:>7} ms  "
            f"p95 {summary['p95_ms']:>7} ms  p99 {summary['p99_ms']:>8} ms  "
            f"B statuses {summary['statuses']}  A statuses {a_statuses}  "
            f"CPU app {summary['app_cpu_s']} s, db {summary['postgres_cpu_s']} s  "
            f"steal {summary['steal_percent']} %  "
            f"speed {' '.join(f'{v:.0f}' for v in speed)} → "
            f"{' '.join(f'{v:.0f}' for v in summary['calibration_ms']['after'])} ms",
            flush=True,
        )
        return summary

    def still_running() -> list[dict]:
        """Statements of the bench database still running on the server, but ours."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, now() - query_start, left(query, 80) FROM pg_stat_activity"
                " WHERE datname = current_database() AND state = 'active'"
                " AND pid <> pg_backend_pid()"
            )
            return [
                {"pid": pid, "running_for": str(age), "query": query}
                for pid, age, query in cursor.fetchall()
            ]

    try:
        time.sleep(1)
        conn = loadgen.Connection(port, a_headers)
        for _ in range(args.workers * 4):  # every worker up and its token cache warm
            conn.request("GET", hosts["alpha"], "/scim/v2/ServiceProviderConfig")
            conn.close()
        started = time.perf_counter()
        status, answer = conn.request(
            "POST", hosts["alpha"], "/scim/v2/Users/.search", {**search, "filter": issue_filter()}
        )
        issue = {
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "body": answer,
        }
        started = time.perf_counter()
        status, answer = conn.request(
            "POST",
            hosts["alpha"],
            "/scim/v2/Users/.search",
            {**search, "filter": costliest_filter(args.comparisons)},
        )
        costliest = {
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "body": answer,
        }
        conn.close()
        print(f"issue's filter (300 x emails co): {issue}", flush=True)
        print(f"costliest accepted filter: {costliest}", flush=True)
        baseline = measured("1: B alone", args.baseline_seconds, 0)
        attacked = measured(f"2: B with {args.attackers} A filters", args.seconds, args.attackers)
        time.sleep(1)
        left = still_running()
        print(f"3: statements still running 1 s after A stopped: {left}", flush=True)
    finally:
        process.terminate()
        process.wait(10)
    print(
        json.dumps(
            {
                "preloaded_users_a": args.preload,
                "users_b": B_USERS,
                "server": f"gunicorn gthread, {args.workers} workers x {args.threads} threads",
                "org_concurrent_requests": args.cap,
                "org_concurrent_costly_filters": args.costly,
                "list_budget_ms": args.list_budget_ms,
                "attackers": args.attackers,
                "readers": args.readers,
                "issue_filter": issue,
                "costliest_filter": costliest,
                "baseline": baseline,
                "attacked": attacked,
                "still_running_after": left,
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
