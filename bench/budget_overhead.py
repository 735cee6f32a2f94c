"""What per-request database budgets cost the SCIM hot path, A/B on a live gunicorn.

    .venv/bin/python bench/budget_overhead.py [--requests 12000] [--rounds 2]

Alternates a page of users (`GET /Users?count=1`, a list, under the list budget) with a
read by id (`GET /Users/<id>`, under the web budget). With the list and web budgets
different, each request finds its connection under the other kind's budget and sends
`SET statement_timeout` first: the worst case (Entra's own lookups keep the web budget and
never send it). With both budgets equal the SET is never sent after a connection's first
request. Runs each setup `--rounds` times, alternating, and prints the CPU per request
of gunicorn and PostgreSQL, p50/p99, and the machine's speed (bench/cpu.py).
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.cpu import calibration_ms, server_cpu_seconds  # noqa: E402
from bench.entra_load import preload_users  # noqa: E402
from bench.server import PROXY_HEADERS, ROOT, django_setup, fresh_database, gunicorn  # noqa: E402

HOST = ""


def alternate(conn: loadgen.Connection, job: tuple[int, str]) -> None:
    start, user_id = job
    status, _ = conn.request("GET", HOST, f"/scim/v2/Users?startIndex={start}&count=1", parse=False)
    assert status == 200, status
    status, _ = conn.request("GET", HOST, f"/scim/v2/Users/{user_id}", parse=False)
    assert status == 200, status


def main() -> None:
    global HOST
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=12000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    url = fresh_database("looop_bench_budgets")
    django_setup(url)
    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.services import organisation_create, organisation_host
    from scim.services import token_create

    organisation_create(
        slug="contoso", name="Contoso", admin_email="admin@contoso.com", admin_password=None
    )
    with schema_context("contoso"):
        _, secret = token_create(name="Entra provisioning")
    preload_users("contoso", 1000)
    with schema_context("contoso"):
        users = [str(pk) for pk in User.objects.values_list("pk", flat=True)]
    HOST = organisation_host("contoso")
    headers = {**PROXY_HEADERS, "Authorization": f"Bearer {secret}"}
    setups = {
        "SET on every request (list 5 s, web 30 s)": {},
        "no SET (list = web = 30 s)": {"LOOOP_DB_LIST_STATEMENT_TIMEOUT_MS": "30000"},
    }
    jobs = [(1 + i % 500, users[i % len(users)]) for i in range(args.requests // 2)]
    results: dict[str, list[dict]] = {name: [] for name in setups}
    for _ in range(args.rounds):
        for name, extra_env in setups.items():
            process, port = gunicorn(
                url, workers=2, threads=2, log=ROOT / ".looop" / "bench-budgets.log",
                extra_env=extra_env,
            )  # fmt: skip
            try:
                time.sleep(1)
                loadgen.run("warm-up", alternate, jobs[:400], port=port, headers=headers)
                speed = calibration_ms()
                before = server_cpu_seconds(process.pid)
                result = loadgen.run(
                    name, alternate, jobs, port=port, concurrency=args.concurrency, headers=headers
                )
                after = server_cpu_seconds(process.pid)
            finally:
                process.terminate()
                process.wait(10)
            summary = result.summary()
            for part in ("app", "postgres"):
                cpu_ms = (after[part] - before[part]) * 1000 / summary["requests"]
                summary[f"{part}_cpu_ms_per_req"] = round(cpu_ms, 3)
            summary["speed_ms"] = speed
            results[name].append(summary)
            print(
                f"{name:<44} {summary['req_per_s']:>7} req/s  p50 {summary['p50_ms']:>5} ms  "
                f"p99 {summary['p99_ms']:>6} ms  CPU/req app {summary['app_cpu_ms_per_req']} ms"
                f" db {summary['postgres_cpu_ms_per_req']} ms  speed "
                f"{' '.join(f'{v:.0f}' for v in speed)} ms",
                flush=True,
            )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
