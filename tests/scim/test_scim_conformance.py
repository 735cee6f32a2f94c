"""scim2-tester (via the `scim2` CLI) against a live gunicorn server of a fresh organisation.

Every check of the suite must report SUCCESS and the command must exit 0.
"""

import os
import subprocess
import sys
from pathlib import Path

from django_tenants.utils import schema_context

from scim.services import token_create

WRAPPER = Path(__file__).with_name("scim2_loopback.py")


def test_scim2_tester_reports_success_for_every_check(live_app, live_org, django_db_blocker):
    with django_db_blocker.unblock(), schema_context(live_org.schema_name):
        _, secret = token_create(name="scim2-tester")
    base = live_app.url(live_org.schema_name, "/scim/v2")
    env = {**os.environ, "SCIM_CLI_HEADERS": f"Authorization: Bearer {secret}"}
    result = subprocess.run(
        [sys.executable, str(WRAPPER), "--url", base, "test", "--verbose"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = _results(result.stdout)
    failures = "\n".join(block for status, block in results if status != "SUCCESS")
    assert result.returncode == 0, failures or result.stdout + result.stderr
    assert len(results) > 100, result.stdout  # the whole suite ran
    assert {status for status, _ in results} == {"SUCCESS"}, failures


def _results(output: str) -> list[tuple[str, str]]:
    """(status, text) per check: a status line followed by its indented details."""
    results: list[tuple[str, str]] = []
    for line in output.splitlines():
        status = line.split(" ", 1)[0]
        if status.isupper() and status.isalpha():
            results.append((status, line[:2000]))
        elif results and line.startswith("  "):
            results[-1] = (results[-1][0], results[-1][1] + "\n" + line[:2000])
    return results
