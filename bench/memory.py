"""A worker's memory across full GETs of a 100,000-member group.

    flock /tmp/looop-bench.lock .venv/bin/python bench/memory.py [--members 100000] [--gets 50]

Starts one gunicorn worker (gthread, 2 threads, production settings, no --max-requests),
reads its resident size (VmRSS) before the first GET, after each GET and after an idle
pause, and prints the figures as JSON. `--baseline` then runs the same server without
`scim.response_memory`'s release (cycles cut; connection closed and heap trimmed after a large
response), to compare (A/B); it grows by tens of MB per GET, so it makes fewer
(`--baseline-gets`). Both keep glibc's mmap threshold at 1 MiB (`malloc_tune`, at start-up).
"""

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the project's packages
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen
from bench.cpu import calibration_ms
from bench.server import PROXY_HEADERS, ROOT, SECRET, django_setup, free_port, fresh_database


def baseline():  # noqa: ANN201 (a WSGI application, for gunicorn's "module:callable()")
    """The application with the request cycles left as they were: the A side."""
    from looop.wsgi import application  # sets Django up, before any model is imported

    entry = importlib.import_module("scim.entry")
    entry.response_cycles_break = lambda response: None
    entry.memory_return_after = lambda response: None
    base = importlib.import_module("scim.views.base")
    dispatch = base.ScimView.dispatch

    def dispatch_keeping_the_response(self, request, *args, **kwargs):  # noqa: ANN001, ANN202
        response = dispatch(self, request, *args, **kwargs)
        self.response = response  # as DRF leaves it
        return response

    base.ScimView.dispatch = dispatch_keeping_the_response
    return application


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def populate(slug: str, members: int) -> tuple[str, str]:
    """An organisation with `members` users, all in one group; returns (token, group id)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts.models import Group
    from accounts.services import organisation_create
    from scim.services import token_create

    organisation_create(slug=slug, name=slug, admin_email=f"a@{slug}.test", admin_password=None)
    with schema_context(slug), connection.cursor() as cursor:
        _, secret = token_create(name="bench")
        group = Group.objects.create(display_name="Everyone")
        cursor.execute(
            """
            INSERT INTO accounts_user (id, password, user_name, active, emails, phone_numbers,
                addresses, role, source, created, last_modified, version, session_epoch,
                is_staff, is_superuser, display_name)
            SELECT gen_random_uuid(), '!', 'm' || g || '@fabrikam.com', true, '[]', '[]', '[]',
                'member', 'scim', now(), now(), 1, 0, false, false, 'Member ' || g
            FROM generate_series(1, %s) AS g
            """,
            [members],
        )
        cursor.execute("ANALYZE accounts_user")  # as autovacuum would, before the members
        cursor.execute(
            "INSERT INTO accounts_membership (group_id, user_id, created)"
            " SELECT %s, id, now() FROM accounts_user WHERE user_name LIKE 'm%%'",
            [group.pk],
        )
        cursor.execute("VACUUM (ANALYZE) accounts_user")
        cursor.execute("VACUUM (ANALYZE) accounts_membership")
    return secret, str(group.pk)


def measure(url: str, *, host: str, token: str, group: str, gets: int, app: str) -> dict:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOOP_")}
    env.update(DATABASE_URL=url, SECRET_KEY=os.environ.get("SECRET_KEY", SECRET))
    env["LOOOP_TRUSTED_PROXIES"] = "0"  # production settings ask for it
    log = (ROOT / ".looop" / "bench-memory.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "2", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        worker = worker_pid(process.pid)
        conn = loadgen.Connection(port, {**PROXY_HEADERS, "Authorization": f"Bearer {token}"})
        deadline = time.monotonic() + 30
        while True:  # the first request imports the app; its size is the starting size
            try:
                status, _ = conn.request("GET", host, "/scim/v2/ServiceProviderConfig")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert status == 200, status
        start = rss_mb(worker)
        after, seconds, size = [], [], 0
        for _ in range(gets):
            started = time.perf_counter()
            status, body = conn.request("GET", host, f"/scim/v2/Groups/{group}", parse=False)
            seconds.append(time.perf_counter() - started)
            assert status == 200, status
            size = len(body)
            after.append(rss_mb(worker))
        conn.close()
        time.sleep(10)
        idle = rss_mb(worker)
    finally:
        process.terminate()
        process.wait(30)
        log.close()
    return {
        "app": app,
        "body_mb": round(size / 1e6, 1),
        "rss_start_mb": start,
        "rss_after_get_mb": {n: after[n - 1] for n in (1, 2, 5, 10, 20, 30, 40, 50) if n <= gets},
        "rss_max_mb": max(after),
        "rss_after_10s_idle_mb": idle,
        "growth_mb": round(idle - start, 1),
        "get_seconds_median": round(sorted(seconds)[len(seconds) // 2], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--gets", type=int, default=50)
    parser.add_argument("--baseline", action="store_true", help="also run without the fix")
    parser.add_argument("--baseline-gets", type=int, default=20, help="its GETs (it grows)")
    args = parser.parse_args()

    url = fresh_database("looop_bench_memory")
    django_setup(url)
    from accounts.services import organisation_host

    token, group = populate("contoso", args.members)
    host = organisation_host("contoso")
    speed = calibration_ms()
    runs = [measure(url, host=host, token=token, group=group, gets=args.gets,
                    app="looop.wsgi:application")]  # fmt: skip
    if args.baseline:
        runs.append(measure(url, host=host, token=token, group=group, gets=args.baseline_gets,
                            app="bench.memory:baseline()"))  # fmt: skip
    print(
        json.dumps(
            {"members": args.members, "gets": args.gets, "runs": runs,
             "calibration_ms": {"before": speed, "after": calibration_ms()}},
            indent=2,
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
