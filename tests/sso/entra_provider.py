"""The local Entra-shaped OpenID Connect provider (tests/sso/oidc_provider) as a pytest fixture.

It is started once per session, before the live server, so that gunicorn gets MICROSOFT_*
settings pointing at it. Tests add directory users and register the live server's callback
through its loopback-only `/_test/` API.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
LOG_DIR = Path(__file__).resolve().parents[2] / ".looop"
CLIENT_ID = "9d3a6c2e-0b4f-4e8a-a1d7-5c6b7e8f9a01"
CLIENT_SECRET = "e2e-client-secret"  # a test value for a provider that lives for one session


@dataclass
class EntraProvider:
    authority: str
    process: subprocess.Popen = field(repr=False)

    @property
    def env(self) -> dict[str, str]:
        return {
            "MICROSOFT_CLIENT_ID": CLIENT_ID,
            "MICROSOFT_CLIENT_SECRET": CLIENT_SECRET,
            "MICROSOFT_AUTHORITY": self.authority,
        }

    def user_add(
        self,
        *,
        tid: str,
        oid: str,
        preferred_username: str,
        email: str | None = None,
        xms_edov: bool | None = None,
        name: str | None = None,
    ) -> dict:
        """Put a person in the provider's directory (their tenant is created on first use)."""
        user = {"tid": tid, "oid": oid, "preferred_username": preferred_username, "name": name}
        if email is not None:
            user["email"] = email
        if xms_edov is not None:
            user["xms_edov"] = xms_edov
        response = requests.post(f"{self.authority}/_test/users", json=user, timeout=5)
        response.raise_for_status()
        return response.json()

    def redirect_uri_register(self, uri: str) -> None:
        """What the operator does in the Entra app registration."""
        url = f"{self.authority}/_test/redirect-uris"
        response = requests.post(url, json={"uri": uri}, timeout=5)
        response.raise_for_status()


def entra_provider_start() -> EntraProvider | None:
    """Start the provider, or return None when Node or its packages are not installed."""
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return None
    LOG_DIR.mkdir(exist_ok=True)
    log = open(LOG_DIR / f"entra-provider-{os.getpid()}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [node, "server.js", "--port", "0"],
        cwd=PROVIDER_DIR,
        env={"ENTRA_CLIENT_ID": CLIENT_ID, "ENTRA_CLIENT_SECRET": CLIENT_SECRET, "PATH": ""},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:  # the first JSON line says where it listens
        if line.startswith("{"):
            ready = json.loads(line)
            return EntraProvider(authority=ready["authority"], process=process)
    raise RuntimeError(f"the Entra test provider exited; see {log.name}")


@pytest.fixture(scope="session", name="entra_provider")
def entra_provider_fixture() -> Iterator[EntraProvider | None]:
    provider = entra_provider_start()
    yield provider
    if provider is not None:
        provider.process.terminate()
        provider.process.wait(10)
