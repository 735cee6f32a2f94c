"""Fairness between organisations (scim/fairness.py), on two live gunicorn servers.

A request of organisation A is held by a lock on A's users table (taken by the test), so it
keeps its place for as long as the test wants; what A and B get meanwhile is checked.
"""

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import organisation_create
from tests.scim.conftest import error_body, eventually, other_session, token_for
from tests.scim.live_servers import Scim, gunicorn
from tests.scim.test_scim_budgets import users_locked

SETTINGS = {
    "LOOOP_ORG_CONCURRENT_REQUESTS": "1",
    "LOOOP_ORG_CONCURRENT_COSTLY_FILTERS": "1",
    "LOOOP_ORG_RETRY_AFTER_SECONDS": "3",
    "LOOOP_DB_LIST_STATEMENT_TIMEOUT_MS": "30000",
}
COSTLY = '/Users?filter=displayName%20co%20"x"'


@dataclass
class Tenant:
    slug: str
    token: str
    user_id: str


@dataclass
class Servers:
    x: int
    y: int


def tenant_create() -> Tenant:
    slug = f"fair{uuid.uuid4().hex[:8]}"
    organisation_create(slug=slug, name=slug, admin_email=f"a@{slug}.test", admin_password=None)
    with schema_context(slug):
        user_id = str(User.objects.get(user_name=f"a@{slug}.test").pk)
    return Tenant(slug, token_for(slug), user_id)


@pytest.fixture(scope="module")
def tenants(django_db_setup, django_db_blocker) -> tuple[Tenant, Tenant]:
    with django_db_blocker.unblock():
        return tenant_create(), tenant_create()


@pytest.fixture(scope="module")
def servers(django_db_setup) -> Iterator[Servers]:
    """Two app processes (one worker each) on one database."""
    with gunicorn(SETTINGS) as x, gunicorn(SETTINGS) as y:
        yield Servers(x, y)


def waiting_on_lock() -> bool:
    watcher = other_session()
    try:
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query ILIKE '%accounts_user%'"
        ).fetchone()
    finally:
        watcher.close()
    return row[0] > 0


class Held:
    """A request of `scim` sent in a thread, held until the lock is released."""

    def __init__(self, scim: Scim, path: str) -> None:
        self.result: tuple[int, dict, object] | None = None
        self.thread = threading.Thread(target=self._run, args=(scim, path))
        self.thread.start()
        eventually(waiting_on_lock, seconds=20)

    def _run(self, scim: Scim, path: str) -> None:
        self.result = scim.request("GET", path)

    def status(self) -> int:
        self.thread.join(30)
        assert self.result is not None
        return self.result[0]


def test_one_organisation_past_its_share_gets_429_while_another_is_served(servers, tenants):
    a, b = tenants
    a_scim, b_scim = Scim(servers.x, a.slug, a.token), Scim(servers.x, b.slug, b.token)
    with users_locked(a.slug):
        held = Held(a_scim, f"/Users/{a.user_id}")
        status, headers, answer = a_scim.request("GET", f"/Users/{a.user_id}")
        assert (status, answer) == (
            429,
            error_body(
                429,
                "Too many concurrent requests for this organisation (at most 1 at once per "
                "server process); retry after 3 seconds.",
            ),
        )
        assert headers["Retry-After"] == "3"
        assert headers["Content-Type"] == "application/scim+json"
        # Organisation B, on the same process, is served meanwhile.
        status, _, answer = b_scim.request("GET", f"/Users/{b.user_id}")
        assert (status, answer["id"]) == (200, b.user_id)
        # Anonymous requests take no place: they are refused for what they are.
        status, _, answer = Scim(servers.x, a.slug, None).request("GET", "/Users")
        assert status == 401
    assert held.status() == 200
    # The place is given back once the request is answered.
    status, _, answer = a_scim.request("GET", f"/Users/{a.user_id}")
    assert (status, answer["id"]) == (200, a.user_id)


def test_costly_filters_are_capped_across_processes(servers, tenants):
    a, b = tenants
    with users_locked(a.slug):
        held = Held(Scim(servers.x, a.slug, a.token), COSTLY)
        # The other process has a free thread for A, but A's costly-filter place is taken.
        status, headers, answer = Scim(servers.y, a.slug, a.token).request("GET", COSTLY)
        assert (status, answer) == (
            429,
            error_body(
                429,
                "This organisation already runs 1 costly filter(s); retry after 3 seconds. "
                "Filters by eq on userName, externalId, id or emails are not limited.",
            ),
        )
        assert headers["Retry-After"] == "3"
        # B's costly filter has a place of its own.
        status, _, answer = Scim(servers.y, b.slug, b.token).request("GET", COSTLY)
        assert (status, answer["totalResults"]) == (200, 0)
    assert held.status() == 200
    status, _, answer = Scim(servers.y, a.slug, a.token).request("GET", COSTLY)
    assert (status, answer["totalResults"]) == (200, 0)
