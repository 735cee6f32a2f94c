"""Steps shared by the console's browser tests: sign in, call SCIM, read the database."""

import http.client
import json
from typing import Any

from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import organisation_host, user_create
from scim.models import ScimToken
from tests.conftest import PASSWORD


def sign_in(page: Any, live_app: Any, slug: str, email: str, password: str = PASSWORD) -> None:
    page.goto(live_app.url(slug, "/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_app.url(slug, "/"))


def admin_email(slug: str) -> str:
    return f"admin@{slug}.test"


def scim_request(
    live_app: Any,
    slug: str,
    method: str,
    path: str,
    token: str | None,
    body: Any = None,
) -> tuple[int, Any]:
    """One real HTTP request to the live server's /scim/v2 (Host header, loopback address)."""
    connection = http.client.HTTPConnection("127.0.0.1", live_app.port, timeout=15)
    headers = {
        "Host": f"{organisation_host(slug)}:{live_app.port}",
        "Accept": "application/scim+json",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = body if isinstance(body, str) else json.dumps(body)
        headers["Content-Type"] = "application/scim+json"
    connection.request(method, f"/scim/v2{path}", body=payload, headers=headers)
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw.decode(errors="replace")


def active_token_names(django_db_blocker: Any, slug: str) -> list[str]:
    with django_db_blocker.unblock(), schema_context(slug):
        return [t.name for t in ScimToken.objects.order_by("id") if t.is_usable]


def add_member(django_db_blocker: Any, slug: str, email: str) -> User:
    with django_db_blocker.unblock(), schema_context(slug):
        return user_create(
            actor=SYSTEM,
            user_name=email,
            email=email,
            password=PASSWORD,
            name_given="Mo",
            name_family="Member",
        )
