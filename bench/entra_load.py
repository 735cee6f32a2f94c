"""Replays Microsoft Entra ID's provisioning traffic against a live gunicorn server.

    .venv/bin/python bench/entra_load.py [--users 2000] [--groups 50] [--members 200]
                                          [--preload 100000] [--concurrency 8]

Phases (as Entra runs them): (a) filter userName then POST, per user; (b) groups: filter
displayName with excludedAttributes=members, POST, member adds in PATCHes of 50; (c) Replace
title and department; (d) deactivate with "False"; (e) pages of 100 users, and GET by id;
(f) single-member removals. Prints req/s, p50/p95/p99 and the CPU each request cost gunicorn
and PostgreSQL per phase, with the machine's speed just before and after the phase
(bench/cpu.py: milliseconds per CPU, lower is faster), then a JSON summary.
With --preload N the organisation first gets N extra users, to show cost does not grow.
With --pathways N the organisation first gets N published pathways (3 text resources
each, enforce order, lock until passed), and a thread of this script shares each of them
with every group as SCIM creates it in (b), due 14 days after receipt, through
learning.services.share_create as the console does; phases (c) to (f) then run with every
group carrying N pathway shares (docs/performance.md, Learning). The shares cannot come
before (b), which creates the groups; the sharer's own CPU (this process) is printed.
"""

import argparse
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen  # noqa: E402
from bench.cpu import calibration_ms, machine_seconds, server_cpu_seconds  # noqa: E402
from bench.server import PROXY_HEADERS, ROOT, django_setup, fresh_database, gunicorn  # noqa: E402

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
HOST = ""  # set in main
RUN = uuid.uuid4().hex[:6]


def user_body(i: int) -> dict:
    name = f"user{i}.{RUN}@contoso.com"
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": f"ext-{RUN}-{i}",
        "userName": name,
        "active": True,
        "displayName": f"User {i}",
        "emails": [{"primary": True, "type": "work", "value": name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": f"User {i}", "familyName": f"Family{i}", "givenName": "User"},
        "title": "Engineer",
        ENTERPRISE: {"department": "R&D", "employeeNumber": str(i)},
    }


def q(expression: str) -> str:
    return quote(expression, safe="")


def patch(conn: loadgen.Connection, path: str, ops: list[dict]) -> None:
    """A PatchOp request whose response body the benchmark does not read."""
    body = {"schemas": [PATCH_OP], "Operations": ops}
    status, _ = conn.request("PATCH", HOST, path, body, parse=False)
    assert status in (200, 204), status


def phase_a(conn: loadgen.Connection, i: int) -> str:
    body = user_body(i)
    user_filter = q('userName eq "{}"'.format(body["userName"]))
    status, found = conn.request("GET", HOST, f"/scim/v2/Users?filter={user_filter}")
    assert status == 200 and found["totalResults"] == 0, (status, found)
    status, created = conn.request("POST", HOST, "/scim/v2/Users", body)
    assert status == 201, (status, created)
    return created["id"]


def phase_b(conn: loadgen.Connection, job: tuple[int, list[str]]) -> tuple[str, list[str]]:
    index, members = job
    name = f"Group {RUN} {index}"
    group_filter = q(f'displayName eq "{name}"')
    path = f"/scim/v2/Groups?excludedAttributes=members&filter={group_filter}"
    status, found = conn.request("GET", HOST, path)
    assert status == 200 and found["totalResults"] == 0, (status, found)
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
        "externalId": f"gext-{RUN}-{index}",
        "meta": {"resourceType": "Group"},
    }
    status, group = conn.request("POST", HOST, "/scim/v2/Groups", body)
    assert status == 201, (status, group)
    for start in range(0, len(members), 50):
        value = [{"value": m} for m in members[start : start + 50]]
        patch(
            conn,
            f"/scim/v2/Groups/{group['id']}",
            [{"op": "Add", "path": "members", "value": value}],
        )
    return group["id"], members


def phase_c(conn: loadgen.Connection, user_id: str) -> None:
    ops = [
        {"op": "Replace", "path": "title", "value": "Senior Engineer"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Research"},
    ]
    patch(conn, f"/scim/v2/Users/{user_id}", ops)


def phase_d(conn: loadgen.Connection, user_id: str) -> None:
    ops = [{"op": "Replace", "path": "active", "value": "False"}]
    patch(conn, f"/scim/v2/Users/{user_id}", ops)


def phase_e_pages(conn: loadgen.Connection, start_index: int) -> None:
    path = f"/scim/v2/Users?startIndex={start_index}&count=100"
    status, page = conn.request("GET", HOST, path, parse=False)  # parsing would load the client
    assert status == 200 and b'"userName"' in page, status


def phase_e_get(conn: loadgen.Connection, user_id: str) -> None:
    status, _ = conn.request("GET", HOST, f"/scim/v2/Users/{user_id}", parse=False)
    assert status == 200, status


def phase_f(conn: loadgen.Connection, job: tuple[str, str]) -> None:
    group_id, member_id = job
    ops = [{"op": "Remove", "path": "members", "value": [{"value": member_id}]}]
    patch(conn, f"/scim/v2/Groups/{group_id}", ops)


def preload_users(slug: str, count: int) -> None:
    """Insert users in bulk with SQL, as an existing large tenant would have them."""
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(slug), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (id, password, user_name, external_id, active, display_name,
                emails, email, phone_numbers, addresses, role, source, created, last_modified,
                version, session_epoch, is_staff, is_superuser, name_given, name_family)
            SELECT gen_random_uuid(), '!', 'pre' || g || '@fabrikam.com', 'pre-ext-' || g, true,
                'Pre ' || g,
                jsonb_build_array(jsonb_build_object('value', 'pre' || g || '@fabrikam.com',
                                                     'type', 'work', 'primary', true)),
                'pre' || g || '@fabrikam.com', '[]', '[]', 'member', 'scim', now(), now(), 1, 0,
                false, false, 'Pre', 'User' || g
            FROM generate_series(1, %s) AS g
            """,
            [count],
        )
        # Vacuumed and analysed, as autovacuum keeps an established organisation's table:
        # without the visibility map, a COUNT of live users reads every heap page.
        cursor.execute("VACUUM (ANALYZE) accounts_user")


def learning_pathways(slug: str, count: int) -> list:
    """`count` published pathways of 3 text resources each, in one open workspace."""
    from django_tenants.utils import schema_context

    from learning import services

    pathways = []
    with schema_context(slug):
        workspace = services.workspace_create(name="Onboarding")
        for p in range(count):
            pathway = services.pathway_create(
                name=f"Pathway {p + 1}", enforce_order=True, lock_until_passed=True
            )
            for r in range(3):
                resource = services.resource_create(workspace=workspace, title=f"Step {p}.{r}")
                services.element_add(resource=resource, kind="text", markdown="Read **me**.")
                services.resource_publish(resource=resource)
                services.pathway_step_add(pathway=pathway, resource=resource)
            pathways.append(pathway)
    return pathways


class GroupSharer(threading.Thread):
    """Shares the pathways with every group as soon as it exists, while SCIM provisions:
    every 50 ms, the groups without the shares get them (one share_create per pathway and
    group, as an admin sharing from the console)."""

    def __init__(self, slug: str, pathways: list) -> None:
        super().__init__(daemon=True)
        self.slug, self.pathways = slug, pathways
        self.done = threading.Event()
        self.shared = 0
        self.cpu_s = 0.0

    def sweep(self) -> None:
        from django.db.models import Exists, OuterRef
        from django_tenants.utils import schema_context

        from accounts.models import Group
        from learning.models import Share
        from learning.services import share_create

        with schema_context(self.slug):
            last = Share.objects.filter(group=OuterRef("pk"), pathway=self.pathways[-1])
            for group in Group.objects.filter(~Exists(last)):
                for pathway in self.pathways:
                    share_create(target=pathway, group=group, due="after", due_days=14)
                    self.shared += 1

    def run(self) -> None:
        from django.db import connection

        started = time.thread_time()
        try:
            while not self.done.wait(0.05):
                self.sweep()
            self.cpu_s = time.thread_time() - started  # (b)'s competition, on the same cores
            self.sweep()  # groups created since the last sweep
        finally:
            connection.close()


def main() -> None:
    global HOST
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--removals", type=int, default=2000, help="single-member removals in (f)")
    parser.add_argument("--preload", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--worker-class", default="gthread", choices=["gthread", "sync"],
        help="gthread by default, as in the figures recorded before `make serve` went sync",
    )  # fmt: skip
    parser.add_argument("--page-passes", type=int, default=10)
    parser.add_argument(
        "--pathways", type=int, default=0, help="pathways shared with every group as made in (b)"
    )
    args = parser.parse_args()

    url = fresh_database("looop_bench_entra")
    django_setup(url)
    from django_tenants.utils import schema_context

    from accounts.services import organisation_create, organisation_host
    from scim.services import token_create

    organisation_create(
        slug="contoso", name="Contoso", admin_email="admin@contoso.com", admin_password=None
    )
    with schema_context("contoso"):
        _, secret = token_create(name="Entra provisioning")
    if args.preload:
        preload_users("contoso", args.preload)
    pathways = learning_pathways("contoso", args.pathways) if args.pathways else []
    HOST = organisation_host("contoso")
    headers = {**PROXY_HEADERS, "Authorization": f"Bearer {secret}"}
    process, port = gunicorn(
        url, workers=args.workers, threads=args.threads, worker_class=args.worker_class,
        log=ROOT / ".looop" / "bench-entra.log",
    )  # fmt: skip

    def run(name: str, job, items, unit: str = "req") -> dict:
        speed = calibration_ms()
        before, machine_before = server_cpu_seconds(process.pid), machine_seconds()
        result = loadgen.run(
            name, job, items, port=port, concurrency=args.concurrency, headers=headers
        )
        after, machine_after = server_cpu_seconds(process.pid), machine_seconds()
        summary = result.summary(unit)
        for part in ("app", "postgres"):
            cpu_ms = (after[part] - before[part]) * 1000 / max(1, summary["requests"])
            summary[f"{part}_cpu_ms_per_{unit}"] = round(cpu_ms, 2)
        machine = {k: machine_after[k] - machine_before[k] for k in machine_after}
        summary["steal_percent"] = round(100 * machine["steal"] / max(machine["total"], 1e-9), 1)
        summary["calibration_ms"] = {"before": speed, "after": calibration_ms()}
        per_s = summary[f"{unit}_per_s"]
        print(
            f"{name:<28} {summary['requests']:>6} {unit}s  {per_s:>8} {unit}/s  "
            f"p50 {summary['p50_ms']:>6} ms  p95 {summary['p95_ms']:>6} ms  "
            f"p99 {summary['p99_ms']:>6} ms  non-2xx {summary['non_2xx']}  "
            f"CPU/{unit}: app {summary[f'app_cpu_ms_per_{unit}']:.2f} ms, "
            f"db {summary[f'postgres_cpu_ms_per_{unit}']:.2f} ms  "
            f"steal {summary['steal_percent']} %  "
            f"speed {' '.join(f'{v:.0f}' for v in speed)} → "
            f"{' '.join(f'{v:.0f}' for v in summary['calibration_ms']['after'])} ms",
            flush=True,
        )
        return {"summary": summary, "outputs": result.outputs}

    try:
        time.sleep(1)
        results = {}
        a = run("a: filter + create users", phase_a, list(range(args.users)))
        user_ids = a["outputs"]
        results["a"] = a["summary"]
        group_jobs = [
            (g, [user_ids[(g * args.members + k) % len(user_ids)] for k in range(args.members)])
            for g in range(args.groups)
        ]
        sharer = GroupSharer("contoso", pathways) if pathways else None
        if sharer is not None:
            sharer.start()
        b = run("b: groups + members by 50", phase_b, group_jobs)
        results["b"] = b["summary"]
        if sharer is not None:
            sharer.done.set()
            sharer.join()
            assert sharer.shared == args.groups * args.pathways, sharer.shared
            print(
                f"shared {args.pathways} pathways with each of {args.groups} groups "
                f"(the sharer's CPU during b: {sharer.cpu_s * 1000:.0f} ms)",
                flush=True,
            )
        results["c"] = run("c: replace title + dept", phase_c, user_ids)["summary"]
        results["d"] = run('d: deactivate ("False")', phase_d, user_ids)["summary"]
        starts = [1 + 100 * p for p in range(len(user_ids) // 100)] * args.page_passes
        results["e_pages"] = run("e: pages of 100 users", phase_e_pages, starts, unit="page")[
            "summary"
        ]
        results["e_get"] = run("e: GET user by id", phase_e_get, user_ids)["summary"]
        removals = [(gid, m) for gid, members in b["outputs"] for m in members][: args.removals]
        results["f"] = run("f: single-member removals", phase_f, removals)["summary"]
    finally:
        process.terminate()
        process.wait(10)
    print(
        json.dumps(
            {
                "users": args.users,
                "preloaded_users": args.preload,
                "groups": args.groups,
                "members_per_group": args.members,
                "pathways_shared_with_every_group": args.pathways,
                "concurrency": args.concurrency,
                "server": f"gunicorn {args.worker_class}, {args.workers} x {args.threads} threads",
                "phases": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
