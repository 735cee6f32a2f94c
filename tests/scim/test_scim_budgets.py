"""A statement cut off by its database budget, on a live gunicorn (looop/db/budgets.py).

The organisation's users table is locked by another session, so every statement that
reads it waits until its budget runs out: the list budget (300 ms) for lists and searches,
the web budget (1 s) for the rest. PostgreSQL cancels the statement itself, and the answer
is a SCIM error, never a 500; nothing is left running on the server.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import organisation_create
from tests.scim.conftest import error_body, other_session, token_for
from tests.scim.live_servers import Scim, gunicorn

SETTINGS = {
    "LOOOP_DB_LIST_STATEMENT_TIMEOUT_MS": "300",
    "LOOOP_DB_STATEMENT_TIMEOUT_MS": "1000",
    "LOOOP_DB_LOCK_TIMEOUT_MS": "60000",  # so that the statement budgets run out first
    "LOOOP_ORG_CONCURRENT_REQUESTS": "0",
}
COSTLY = (
    "The filter is too costly: it was stopped after 300 ms. Use fewer comparisons, "
    "or eq on userName, externalId, id or emails."
)
BUSY = "The service is busy and could not finish in time; retry later."


@dataclass
class Org:
    slug: str
    scim: Scim
    user_id: str


@pytest.fixture(scope="module")
def org(django_db_setup, django_db_blocker) -> Iterator[Org]:
    slug = f"budget{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        organisation_create(slug=slug, name=slug, admin_email=f"a@{slug}.test", admin_password=None)
        token = token_for(slug)
        with schema_context(slug):
            user_id = str(User.objects.get(user_name=f"a@{slug}.test").pk)
    with gunicorn(SETTINGS) as port:
        yield Org(slug, Scim(port, slug, token), user_id)


@contextmanager
def users_locked(slug: str) -> Iterator[int]:
    """The organisation's users table locked by another session; yields that session's pid."""
    session = other_session()
    try:
        session.execute("BEGIN")
        session.execute(f'LOCK TABLE "{slug}"."accounts_user" IN ACCESS EXCLUSIVE MODE')
        yield session.execute("SELECT pg_backend_pid()").fetchone()[0]
    finally:
        session.close()


def still_running(but: int) -> list[str]:
    """Statements on the users tables that are running or waiting now, other than `but`'s."""
    watcher = other_session()
    try:
        rows = watcher.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'active' AND query ILIKE '%%accounts_user%%'"
            " AND pid <> %s AND pid <> pg_backend_pid()",
            [but],
        ).fetchall()
    finally:
        watcher.close()
    return [query for (query,) in rows]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", '/Users?filter=displayName co "x"', None),
        ("GET", '/Users?filter=title eq "x" or nickName sw "y"', None),
        ("POST", "/Users/.search", {"filter": 'displayName co "x"'}),
        ("POST", "/.search", {"filter": 'displayName co "x"'}),
    ],
)
def test_a_costly_filter_over_its_budget_is_400_too_many(org, method, path, body):
    with users_locked(org.slug) as holder:
        status, headers, answer = org.scim.request(method, path.replace(" ", "%20"), body)
        assert still_running(but=holder) == []
    assert (status, answer) == (400, error_body(400, COSTLY, "tooMany"))
    assert headers["Content-Type"] == "application/scim+json"


@pytest.mark.parametrize(
    "path",
    [
        '/Users?filter=userName eq "someone@example.com"',  # Entra's lookup: not the filter
        "/Users",  # no filter
        "/Users/{user_id}",  # the web budget
    ],
)
def test_other_requests_over_their_budget_are_503_with_retry_after(org, path):
    with users_locked(org.slug) as holder:
        status, headers, answer = org.scim.request(
            "GET", path.format(user_id=org.user_id).replace(" ", "%20")
        )
        assert still_running(but=holder) == []
    assert (status, answer) == (503, error_body(503, BUSY))
    assert headers["Retry-After"] == "5"


def test_the_same_requests_succeed_once_the_table_is_free(org):
    """The budgets cut off waiting, not the requests themselves."""
    status, _, answer = org.scim.request("GET", '/Users?filter=displayName%20co%20"x"')
    assert (status, answer["totalResults"]) == (200, 0)
    status, _, answer = org.scim.request("GET", f"/Users/{org.user_id}")
    assert (status, answer["id"]) == (200, org.user_id)
