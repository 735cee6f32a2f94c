"""CPU per SCIM operation in one process, for A/B comparisons of two checkouts.

    .venv/bin/python bench/scim_cpu.py [--checkout DIR] [--ops 300] [--rounds 3]

Throughput under load (bench/entra_load.py) swings by ±30 % from run to run on a shared
two-core machine; the CPU one request costs the process that serves it swings much less.
This script runs Entra's request shapes through Django's full request stack (middleware,
routing, views, the database) with `django.test.Client`, in this process, and prints the
CPU milliseconds per operation: (a) filter then create a user, (c) replace title and
department, (b/f) add one member then remove it, (e) GET a user by id, (e) a page of 100.

`--checkout DIR` measures another checkout of Looop (its code, its migrations), on a fresh
database of its own, so that a change and its parent are compared with the same script.
Alternate the two in one sitting, as docs/performance.md does.
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM = "application/scim+json"


def user_body(name: str, i: int) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": f"ext-{name}",
        "userName": name,
        "active": True,
        "displayName": f"User {i}",
        "emails": [{"primary": True, "type": "work", "value": name}],
        "name": {"formatted": f"User {i}", "familyName": f"Family{i}", "givenName": "User"},
        "title": "Engineer",
        ENTERPRISE: {"department": "R&D", "employeeNumber": str(i)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkout", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--ops", type=int, default=300, help="operations per kind and round")
    parser.add_argument("--rounds", type=int, default=3, help="the best round is reported")
    args = parser.parse_args()
    checkout = Path(args.checkout).resolve()
    os.chdir(checkout)
    sys.path.insert(0, str(checkout))
    os.environ.setdefault("LOOOP_SECURE", "0")  # plain HTTP through the test client
    os.environ.setdefault("LOOOP_SCHEME", "http")

    from bench.cpu import calibration_ms
    from bench.server import django_setup, fresh_database

    django_setup(fresh_database("looop_bench_scim_cpu"))
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.services import organisation_create, organisation_host
    from scim.services import token_create

    organisation_create(
        slug="contoso", name="Contoso", admin_email="admin@contoso.com", admin_password=None
    )
    with schema_context("contoso"):
        _, secret = token_create(name="Entra provisioning")
    client = Client(
        HTTP_HOST=organisation_host("contoso"),
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    def call(method: str, path: str, body: dict | None, expect: int) -> dict:
        data = json.dumps(body) if body is not None else None
        kwargs = {"content_type": SCIM} if data is not None else {}
        response = (
            getattr(client, method)(path, data, **kwargs) if data else getattr(client, method)(path)
        )
        assert response.status_code == expect, (method, path, response.status_code)
        return response.json() if response.content else {}

    run = uuid.uuid4().hex[:6]
    users: list[str] = []

    def create(i: int) -> None:
        name = f"u{i}.{run}@contoso.com"
        found = call("get", f'/scim/v2/Users?filter=userName eq "{name}"', None, 200)
        assert found["totalResults"] == 0
        users.append(call("post", "/scim/v2/Users", user_body(name, i), 201)["id"])

    group = call(
        "post",
        "/scim/v2/Groups",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"},
        201,
    )["id"]

    def replace(i: int) -> None:
        ops = [
            {"op": "Replace", "path": "title", "value": f"Title {i}"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": f"Dept {i}"},
        ]
        body = {"schemas": [PATCH_OP], "Operations": ops}
        call("patch", f"/scim/v2/Users/{users[i]}", body, 200)  # the user, as Entra reads it

    def member(i: int) -> None:
        add = {"op": "Add", "path": "members", "value": [{"value": users[i]}]}
        remove = {"op": "Remove", "path": f'members[value eq "{users[i]}"]'}
        for op in (add, remove):
            body = {"schemas": [PATCH_OP], "Operations": [op]}
            call("patch", f"/scim/v2/Groups/{group}", body, 204)

    def get(i: int) -> None:
        call("get", f"/scim/v2/Users/{users[i]}", None, 200)

    def page(i: int) -> None:
        call("get", f"/scim/v2/Users?startIndex={1 + (i % 3) * 100}&count=100", None, 200)

    kinds = {"a: filter + create": create, "c: replace title + dept": replace}
    kinds |= {"b/f: add + remove a member": member, "e: GET by id": get}
    kinds |= {"e: page of 100": page}
    best: dict[str, float] = {}
    speed = [min(calibration_ms())]
    for round_ in range(args.rounds):
        for kind, operation in kinds.items():
            offset = round_ * args.ops
            started = time.process_time()
            for i in range(args.ops):
                operation(offset + i if kind.startswith("a") else i)
            cost = (time.process_time() - started) * 1000 / args.ops
            best[kind] = min(best.get(kind, cost), cost)
    speed.append(min(calibration_ms()))
    print(f"checkout {checkout}  machine speed {speed[0]:.0f} → {speed[1]:.0f} ms per CPU")
    for kind, cost in best.items():
        print(f"  {kind:28} {cost:6.2f} ms CPU per operation (best of {args.rounds})")
    print(json.dumps({"checkout": str(checkout), "speed_ms": speed, "cpu_ms": best}))


if __name__ == "__main__":
    main()
