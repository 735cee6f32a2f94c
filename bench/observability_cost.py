"""What the observability middleware costs one request, measured in this process.

    .venv/bin/python bench/observability_cost.py [--requests 20000]

Runs a trivial view through `ObservabilityMiddleware` and without it, with the metrics in
multiprocess mode (files in a temporary PROMETHEUS_MULTIPROC_DIR, as under gunicorn) and
the request log written as JSON to a file, and prints the difference per request in
microseconds with the machine's speed (bench/cpu.py: lower is faster).
"""

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="looop-bench-metrics-")
os.environ.setdefault("SECRET_KEY", "bench-secret-" + "k" * 50)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "looop.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import ResolverMatch  # noqa: E402

from bench.cpu import calibration_ms  # noqa: E402
from looop.observability import JsonFormatter, ObservabilityMiddleware, note_actor  # noqa: E402


def view(request):
    """What the routing middleware and a SCIM view leave on the request."""
    request.tenant = SimpleNamespace(schema_name="contoso")
    note_actor(request, "scim-token:Entra provisioning")
    request.resolver_match = ResolverMatch(view, (), {}, route="^Users/(?P<resource_id>[^/]+)/?$")
    return HttpResponse(b"{}", content_type="application/scim+json")


def per_request_us(handler, requests: list) -> float:
    started = time.perf_counter()
    for request in requests:
        handler(request)
    return (time.perf_counter() - started) * 1e6 / len(requests)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115
    handler = logging.StreamHandler(log)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().handlers[:] = [handler]
    factory = RequestFactory()
    path = "/scim/v2/Users/2819c223-7f76-453a-919d-413861904646"
    speed = calibration_ms()
    bare, wrapped = [], []
    for _ in range(5):  # interleaved rounds; the best of each side
        requests = [factory.get(path, HTTP_HOST="contoso.looop.localhost")
                    for _ in range(args.requests)]  # fmt: skip
        bare.append(per_request_us(view, requests))
        requests = [factory.get(path, HTTP_HOST="contoso.looop.localhost")
                    for _ in range(args.requests)]  # fmt: skip
        wrapped.append(per_request_us(ObservabilityMiddleware(view), requests))
    log.close()
    lines = Path(log.name).read_text().count("\n")
    print(
        f"view alone {min(bare):.1f} µs, with the middleware {min(wrapped):.1f} µs: "
        f"+{min(wrapped) - min(bare):.1f} µs per request ({lines} log lines written)  "
        f"speed {' '.join(f'{v:.0f}' for v in speed)} → "
        f"{' '.join(f'{v:.0f}' for v in calibration_ms())} ms"
    )


if __name__ == "__main__":
    main()
