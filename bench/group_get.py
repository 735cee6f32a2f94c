"""`GET /Groups/<id>` of small groups, A/B between two source trees, in one sitting.

    flock /tmp/looop-bench.lock .venv/bin/python bench/group_get.py --other /path/to/tree

Starts one gunicorn worker (gthread, 2 threads, production settings) from this tree and one
from `--other` (an export of another commit; same database schema), on one fresh database:
an organisation with groups of 0, 5, 50 and 200 members. Then, for `--rounds` rounds,
alternating which side goes first, each side serves `--gets` sequential full GETs of each
group (one keep-alive connection). Prints, per side and group size, the median latency
(ms) and the worker's CPU per request (ms, from /proc), and the ratio this ÷ other.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the project's packages
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen
from bench.cpu import calibration_ms
from bench.server import PROXY_HEADERS, ROOT, SECRET, django_setup, free_port, fresh_database

SIZES = (0, 5, 50, 200)


def populate(slug: str) -> tuple[str, dict[int, str]]:
    """An organisation with one group per size in SIZES; returns (token, {size: group id})."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts.models import Group
    from accounts.services import organisation_create
    from scim.services import token_create

    organisation_create(slug=slug, name=slug, admin_email=f"a@{slug}.test", admin_password=None)
    groups: dict[int, str] = {}
    with schema_context(slug), connection.cursor() as cursor:
        _, secret = token_create(name="bench")
        cursor.execute(
            """
            INSERT INTO accounts_user (id, password, user_name, active, emails, phone_numbers,
                addresses, role, source, created, last_modified, version, session_epoch,
                is_staff, is_superuser, display_name)
            SELECT gen_random_uuid(), '!', 'm' || g || '@fabrikam.com', true, '[]', '[]', '[]',
                'member', 'scim', now(), now(), 1, 0, false, false, 'Member ' || g
            FROM generate_series(1, %s) AS g
            """,
            [max(SIZES)],
        )
        for size in SIZES:
            group = Group.objects.create(display_name=f"Team of {size}", external_id=f"e{size}")
            cursor.execute(
                "INSERT INTO accounts_membership (group_id, user_id, created)"
                " SELECT %s, id, now() FROM accounts_user WHERE user_name LIKE 'm%%'"
                " ORDER BY user_name LIMIT %s",
                [group.pk, size],
            )
            groups[size] = str(group.pk)
        cursor.execute("VACUUM (ANALYZE) accounts_user")
        cursor.execute("VACUUM (ANALYZE) accounts_membership")
    return secret, groups


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, tree: Path, url: str, log: Path) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOOOP_")}
        env.update(DATABASE_URL=url, SECRET_KEY=os.environ.get("SECRET_KEY", SECRET))
        env["LOOOP_TRUSTED_PROXIES"] = "0"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "looop.wsgi:application", "--bind",
             f"127.0.0.1:{self.port}", "--workers", "1", "--worker-class", "gthread",
             "--threads", "2"],
            cwd=tree, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            if pids := children.read_text().split():
                self.worker = int(pids[0])
                break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn started no worker")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def run(server: Server, *, host: str, token: str, groups: dict[int, str], gets: int) -> dict:
    conn = loadgen.Connection(server.port, {**PROXY_HEADERS, "Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + 30
    while True:  # the first request imports the app
        try:
            conn.request("GET", host, "/scim/v2/ServiceProviderConfig")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    result = {}
    for size, group in groups.items():
        path = f"/scim/v2/Groups/{group}"
        for _ in range(20):  # warm: compiled statements, prepared on the server
            conn.request("GET", host, path, parse=False)
        latencies, cpu = [], cpu_ms(server.worker)
        for _ in range(gets):
            started = time.perf_counter()
            status, _ = conn.request("GET", host, path, parse=False)
            latencies.append((time.perf_counter() - started) * 1000)
            assert status == 200, status
        result[size] = {
            "median_ms": round(statistics.median(latencies), 3),
            "cpu_ms_per_get": round((cpu_ms(server.worker) - cpu) / gets, 3),
        }
    conn.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", type=Path, required=True, help="the B side's source tree")
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    url = fresh_database("looop_bench_group_get")
    django_setup(url)
    from accounts.services import organisation_host

    token, groups = populate("contoso")
    host = organisation_host("contoso")
    speed = [calibration_ms()]
    logs = ROOT / ".looop"
    logs.mkdir(exist_ok=True)
    servers = {"this": Server(ROOT, url, logs / "bench-group-get-this.log"),
               "other": Server(args.other, url, logs / "bench-group-get-other.log")}  # fmt: skip
    rounds: list[dict] = []
    try:
        for n in range(args.rounds):
            order = ["this", "other"] if n % 2 == 0 else ["other", "this"]
            rounds.append(
                {
                    side: run(servers[side], host=host, token=token, groups=groups, gets=args.gets)
                    for side in order
                }  # fmt: skip
            )
            speed.append(calibration_ms())
    finally:
        for server in servers.values():
            server.stop()
    ratios = {
        size: {
            key: round(
                statistics.median(r["this"][size][key] / r["other"][size][key] for r in rounds), 3
            )
            for key in ("median_ms", "cpu_ms_per_get")
        }
        for size in SIZES
    }
    print(json.dumps({"gets": args.gets, "rounds": rounds, "this_over_other": ratios,
                      "calibration_ms": speed}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
