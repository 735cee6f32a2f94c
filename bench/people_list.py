"""The People list and its CSV export at 100,000 people.

    flock /tmp/looop-bench.lock .venv/bin/python bench/people_list.py [--people 100000]

Fills one organisation with `--people` people (a mix of statuses, sources, roles and ten
departments; 20 groups, one of 10,000 members), starts one gunicorn worker (gthread, 2
threads, production settings) and, as a signed-in admin:

- times the first page of every filter and sort (`--repeat` GETs each; median and max);
- streams the whole CSV export, timing it and sampling the worker's resident size (VmRSS)
  every 20 ms, to report how far it grew above its size before the export.

Prints the figures as JSON, with the machine-speed reading of bench/cpu.py.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the project's packages
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cpu import calibration_ms
from bench.memory import rss_mb, worker_pid
from bench.server import PROXY_HEADERS, ROOT, SECRET, django_setup, free_port, fresh_database

DEPARTMENTS = ["Sales", "Support", "Engineering", "Finance", "Legal", "Marketing", "People",
               "Operations", "Product", "Design"]  # fmt: skip


def populate(slug: str, people: int) -> tuple[str, str]:
    """The organisation and its people; returns (session cookie value, big group's id)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.models import Group
    from accounts.services import organisation_create

    _, admin = organisation_create(
        slug=slug, name=slug, admin_email=f"admin@{slug}.test", admin_password=None
    )
    with schema_context(slug), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (id, password, user_name, email, active, emails,
                phone_numbers, addresses, role, source, created, last_modified, version,
                session_epoch, is_staff, is_superuser, display_name, name_given, name_family,
                department)
            SELECT gen_random_uuid(), '!', 'p' || g || '@fabrikam.com', 'p' || g || '@fabrikam.com',
                g %% 10 <> 0, '[]', '[]', '[]',
                CASE WHEN g %% 500 = 0 THEN 'admin' ELSE 'member' END,
                (ARRAY['scim', 'scim', 'scim', 'console', 'sso'])[1 + g %% 5],
                now() - make_interval(secs => g), now(), 1, 0, false, false,
                'Person ' || g, 'Given' || g, 'Family' || g,
                (%s::text[])[1 + g %% 10]
            FROM generate_series(1, %s) AS g
            """,
            [DEPARTMENTS, people],
        )
        groups = [Group.objects.create(display_name=f"Group {i:02}") for i in range(20)]
        cursor.execute("ANALYZE accounts_user")
        cursor.execute(
            "INSERT INTO accounts_membership (group_id, user_id, created)"
            " SELECT %s, id, now() FROM accounts_user WHERE user_name LIKE 'p%%'"
            " ORDER BY user_name LIMIT 10000",
            [groups[0].pk],
        )
        for i, group in enumerate(groups[1:], start=1):
            cursor.execute(
                "INSERT INTO accounts_membership (group_id, user_id, created)"
                " SELECT %s, id, now() FROM accounts_user WHERE user_name LIKE %s",
                [group.pk, f"p{i}%@fabrikam.com"],
            )
        cursor.execute("VACUUM (ANALYZE) accounts_user")
        cursor.execute("VACUUM (ANALYZE) accounts_membership")
        client = Client()
        client.force_login(admin)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookie, str(groups[0].pk)


def get(port: int, host: str, path: str, cookie: str) -> tuple[int, float, int]:
    """(status, seconds to the last byte, body bytes) of one GET."""
    from django.conf import settings

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Host": host, "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", **PROXY_HEADERS}
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    seconds = time.perf_counter() - started
    conn.close()
    return response.status, seconds, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    url = fresh_database("looop_bench_people")
    django_setup(url)
    from accounts.services import organisation_host

    cookie, group = populate("contoso", args.people)
    host = organisation_host("contoso")
    cases = {
        "all, by name": "",
        "status=active": "status=active",
        "status=deactivated": "status=deactivated",
        "source=scim": "source=scim",
        "source=sso": "source=sso",
        "role=admin": "role=admin",
        "department=Finance": "department=Finance",
        "group (10,000 members)": f"group={group}",
        "sort=-created": "sort=-created",
        "sort=email": "sort=email",
        "sort=department": "sort=department",
        "sort=-status": "sort=-status",
        "search q=p4242": "q=p4242",
        "source=scim&role=admin&sort=-created": "source=scim&role=admin&sort=-created",
        "page 2000, by name": "page=2000",
    }
    speed_before = calibration_ms()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOOP_")}
    env.update(DATABASE_URL=url, SECRET_KEY=os.environ.get("SECRET_KEY", SECRET))
    env["LOOOP_TRUSTED_PROXIES"] = "0"
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)  # fmt: skip
    log = (ROOT / ".looop" / "bench-people-list.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "looop.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread", "--threads", "2",
         "--timeout", "120"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    pages, export = {}, {}
    try:
        worker = worker_pid(process.pid)
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = get(port, host, "/people", cookie)  # imports the app
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert status == 200, status
        for name, query in cases.items():
            times = []
            for _ in range(args.repeat):
                status, seconds, _ = get(port, host, f"/people?{query}", cookie)
                assert status == 200, (name, status)
                times.append(seconds)
            pages[name] = {"median_s": round(statistics.median(times), 3),
                           "max_s": round(max(times), 3)}  # fmt: skip
        start = rss_mb(worker)
        peak = [start]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak.append(rss_mb(worker))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        status, seconds, size = get(port, host, "/people/export.csv", cookie)
        done.set()
        sampler.join()
        assert status == 200, status
        export = {
            "seconds": round(seconds, 2),
            "mb": round(size / 1e6, 1),
            "rss_before_mb": start,
            "rss_peak_mb": max(peak),
            "rss_growth_mb": round(max(peak) - start, 1),
        }
        status, seconds, _ = get(port, host, "/people/export.csv?source=scim&status=active", cookie)
        export["filtered_source_scim_active_seconds"] = round(seconds, 2)
    finally:
        process.terminate()
        process.wait(30)
        log.close()
    print(json.dumps({
        "people": args.people, "first_page": pages, "export": export,
        "calibration_ms": {"before": speed_before, "after": calibration_ms()},
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
