"""Learning at scale: sharing with a large group, the learner's home, and reports.

    flock /tmp/looop-bench.lock .venv/bin/python bench/learning.py [--people 10000]

On a fresh database with one organisation, prints:
- sharing a 20-resource pathway with a group of N people (one share row), and how long
  one of its members then takes to see it in their list;
- the learner's home (`/`) against gunicorn with 200 resources shared with them: p50, p95,
  p99 at concurrency 8, with the server's CPU per request;
- the report of that pathway for N people x 20 resources: first page, and the CSV;
beside this machine's speed reading (bench/cpu.py: lower is faster).
"""

import argparse
import http.client
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.cpu import calibration_ms, machine_seconds, server_cpu_seconds  # noqa: E402
from bench.server import PROXY_HEADERS, ROOT, django_setup, fresh_database, gunicorn  # noqa: E402

SLUG = "initech"


def timed(action) -> tuple[float, object]:  # noqa: ANN001
    started = time.perf_counter()
    value = action()
    return round((time.perf_counter() - started) * 1000, 1), value


def session_cookie(user) -> str:  # noqa: ANN001
    """A signed-in session for `user`, as the sign-in page would store it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.EmailPasswordBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    # A browser keeps the CSRF cookie the first page set, and sends it back: without it every
    # request would make a new secret, which no real visitor's second request does.
    csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return f"sessionid={session.session_key}; csrftoken={csrf}"


def people(count: int):  # noqa: ANN201
    """`count` members and one group holding them all, inserted in bulk."""
    from accounts.models import Group, Membership, User

    users = [
        User(user_name=f"person{i:06d}@initech.test", display_name=f"Person {i}", source="scim")
        for i in range(count)
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=5000)
    group = Group.objects.create(display_name="Everyone")
    Membership.objects.bulk_create(
        [Membership(group=group, user=u) for u in users], batch_size=5000
    )
    return group, users


def resources(workspace, count: int, prefix: str) -> list:  # noqa: ANN001
    from learning import services

    made = []
    for i in range(count):
        resource = services.resource_create(workspace=workspace, title=f"{prefix} {i:03d}")
        services.element_add(resource=resource, kind="text", markdown=f"# {prefix} {i}\n\nRead.")
        made.append(services.resource_publish(resource=resource))
    return made


def progress(users: list, steps: list) -> int:  # noqa: ANN001
    """Each person completed a random number of the pathway's resources, in order."""
    from django.utils import timezone

    from learning.models import Progress

    now = timezone.now()
    rows = []
    for user in users:
        for resource in steps[: random.randint(0, len(steps))]:
            rows.append(Progress(user=user, resource=resource, opened_at=now, completed_at=now))
    Progress.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def home(conn: loadgen.Connection, item: tuple[str, int]) -> None:
    """The learner's home, with all their items on it."""
    host, items = item
    status, body = conn.request("GET", host, "/", parse=False)
    assert status == 200 and body.count(b'data-testid="item"') == items, status


def http_get(port: int, host: str, path: str, cookie: str) -> tuple[int, int, float]:
    """One GET read to the end: status, bytes, milliseconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Host": host, "Cookie": cookie, **PROXY_HEADERS})
    response = connection.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    connection.close()
    return response.status, size, round((time.perf_counter() - started) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--shared", type=int, default=200, help="resources shared with the learner")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    # As `make serve` runs it: one request per worker process.
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--keep-alive", type=int, default=75, help="gunicorn's, in seconds")
    parser.add_argument("--worker-connections", type=int, default=1000, help="gthread's")
    parser.add_argument(
        "--home-only",
        action="store_true",
        help="report measured once only (home figures unchanged)",
    )
    args = parser.parse_args()

    url = fresh_database("looop_bench_learning")
    django_setup(url)
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.services import organisation_create, organisation_host
    from learning import reports, services
    from learning.selectors import learning_items

    organisation_create(
        slug=SLUG, name="Initech", admin_email="admin@initech.test", admin_password=None
    )
    host = organisation_host(SLUG)
    figures: dict[str, object] = {"people": args.people, "shared_with_learner": args.shared}
    with schema_context(SLUG):
        group, users = people(args.people)
        space = services.workspace_create(name="Handbook")
        pathway = services.pathway_create(name="Compliance", lock_until_passed=True)
        steps = resources(space, 20, "Step")
        for resource in steps:
            services.pathway_step_add(pathway=pathway, resource=resource)
        figures["progress_rows"] = progress(users, steps)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        share_ms, _ = timed(lambda: services.share_create(target=pathway, group=group))
        member = random.choice(users)
        seen_ms, items = timed(lambda: learning_items(user=member))
        assert [i.title for i in items] == ["Compliance"], items
        figures["share_pathway_with_group_ms"] = share_ms
        figures["member_sees_it_ms"] = seen_ms

        learner = users[0]
        for resource in resources(space, args.shared, "Lesson"):
            services.share_create(target=resource, group=group, due="after", due_days=7)
        for resource in random.sample(steps, 5):
            services.progress_open(user=learner, resource=resource)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by now: plans see 200 shares
        learner_cookie = session_cookie(learner)
        admin_cookie = session_cookie(User.objects.get(user_name="admin@initech.test"))
        in_process = [timed(lambda: reports.report_people(scope=reports.scope_of(pathway)))[0]]
        figures["report_first_page_in_process_ms"] = in_process[0]

    process, port = gunicorn(
        url,
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
        keep_alive=args.keep_alive,
        worker_connections=args.worker_connections,
        log=ROOT / ".looop" / "bench-learning.log",
    )
    try:
        headers = {**PROXY_HEADERS, "Cookie": learner_cookie}

        item = (host, min(args.shared + 1, 50))  # the home shows the first 50 items
        loadgen.run("warm-up", home, [item] * 80, port=port, concurrency=args.concurrency,
                    headers=headers)  # fmt: skip
        speed = calibration_ms()
        before, machine_before = server_cpu_seconds(process.pid), machine_seconds()
        result = loadgen.run(
            "home", home, [item] * args.requests, port=port, concurrency=args.concurrency,
            headers=headers,
        )  # fmt: skip
        after, machine_after = server_cpu_seconds(process.pid), machine_seconds()
        summary = result.summary()
        for part in ("app", "postgres"):
            cpu = (after[part] - before[part]) * 1000 / max(1, summary["requests"])
            summary[f"{part}_cpu_ms_per_req"] = round(cpu, 2)
        machine = {k: machine_after[k] - machine_before[k] for k in machine_after}
        summary["steal_percent"] = round(100 * machine["steal"] / max(machine["total"], 1e-9), 1)
        figures["home"] = summary

        report_path = f"/learning/reports/pathways/{pathway.pk}"
        http_get(port, host, report_path, admin_cookie)  # warm
        runs = (1, 1) if args.home_only else (5, 3)  # the report once, to check it answers
        pages = [http_get(port, host, report_path, admin_cookie) for _ in range(runs[0])]
        csvs = [http_get(port, host, f"{report_path}.csv", admin_cookie) for _ in range(runs[1])]
        assert {p[0] for p in pages} == {200} and {c[0] for c in csvs} == {200}, (pages, csvs)
        figures["report_first_page_ms"] = {
            "median": statistics.median(p[2] for p in pages), "max": max(p[2] for p in pages),
        }  # fmt: skip
        figures["report_csv_ms"] = {
            "median": statistics.median(c[2] for c in csvs), "max": max(c[2] for c in csvs),
            "bytes": csvs[0][1], "rows": args.people,
        }  # fmt: skip
    finally:
        process.terminate()
        process.wait(10)
    workers = f"{args.workers} workers x {args.threads} threads"
    figures["server"] = f"gunicorn {args.worker_class}, {workers}"
    figures["calibration_ms"] = {"before": speed, "after": calibration_ms()}

    print(f"Share a 20-resource pathway with {args.people:,} people: {share_ms} ms "
          f"(a member then reads their list in {seen_ms} ms)")  # fmt: skip
    print(
        f"Learner home, {args.shared} shared resources, concurrency {args.concurrency}: "
        f"{summary['req_per_s']} req/s, p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
        f"p99 {summary['p99_ms']} ms, CPU/req app {summary['app_cpu_ms_per_req']} ms, "
        f"db {summary['postgres_cpu_ms_per_req']} ms, steal {summary['steal_percent']} %"
    )
    print(
        f"Report {args.people:,} x 20: first page {figures['report_first_page_ms']['median']} ms"
        f" (median of 5), CSV {figures['report_csv_ms']['median']} ms (median of 3,"
        f" {figures['report_csv_ms']['bytes']:,} bytes)"
    )
    print(f"Machine speed (bench/cpu.py, lower is faster): {speed} -> {calibration_ms()} ms")
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
