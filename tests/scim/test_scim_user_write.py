"""PUT and PATCH of a user: one unlocked read and one UPDATE that succeeds only if nobody
wrote in between; a write that lost that race is computed again, never lost."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create
from scim.services import users as services
from tests.scim.conftest import ENTERPRISE, PATCH_OP, USER_SCHEMA, error_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(acme) -> User:
    with schema_context("acme"):
        return user_create(
            actor=SYSTEM, user_name="jane@contoso.com", source="scim", title="Engineer"
        )


def stored(user: User) -> User:
    with schema_context("acme"):
        return User.objects.get(pk=user.pk)


def department(value: str) -> dict:
    return {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": f"{ENTERPRISE}:department", "value": value}],
    }


def concurrent_title_change(monkeypatch, user: User, *, times: int) -> list[int]:
    """Make another write land between the PATCH's read and its UPDATE, `times`
    times; returns the list that counts how often the PATCH was computed."""
    computed: list[int] = []
    apply = services.patch_apply

    def apply_then_lose_the_race(*args, **kwargs):
        computed.append(1)
        if len(computed) <= times:
            with schema_context("acme"):
                User.objects.filter(pk=user.pk).update(
                    title=f"Changed {len(computed)}", version=F("version") + 1
                )
        return apply(*args, **kwargs)

    monkeypatch.setattr(services, "patch_apply", apply_then_lose_the_race)
    return computed


def test_a_patch_that_lost_a_race_is_applied_to_the_new_row(scim, jane, monkeypatch):
    computed = concurrent_title_change(monkeypatch, jane, times=1)
    response = scim.patch(f"/Users/{jane.pk}", department("Research"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body[ENTERPRISE]["department"]) == ("Changed 1", "Research")
    assert body["meta"]["version"] == 'W/"3"'
    row = stored(jane)
    assert (row.title, row.department, row.version) == ("Changed 1", "Research", 3)
    assert len(computed) == 2


def test_a_patch_that_keeps_losing_gives_up_with_503_and_writes_nothing(scim, jane, monkeypatch):
    computed = concurrent_title_change(monkeypatch, jane, times=100)
    response = scim.patch(f"/Users/{jane.pk}", department("Research"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == error_body(
        503, "The user changed repeatedly while this request ran; retry."
    )
    row = stored(jane)
    assert row.department is None
    assert row.version == 1 + services._WRITE_ATTEMPTS
    assert len(computed) == services._WRITE_ATTEMPTS


def test_a_stale_if_match_after_a_lost_race_is_412(scim, jane, monkeypatch):
    concurrent_title_change(monkeypatch, jane, times=1)
    response = scim.patch(f"/Users/{jane.pk}", department("Research"), HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 412
    assert stored(jane).department is None


def test_a_patch_is_one_read_and_one_update_without_a_lock(scim, jane):
    scim.get("/ServiceProviderConfig")  # the token's last use is written once a minute
    with CaptureQueriesContext(connection) as queries:
        response = scim.patch(f"/Users/{jane.pk}", department("Research"))
    assert response.status_code == 200
    user_sql = [q["sql"] for q in queries.captured_queries if '"accounts_user"' in q["sql"]]
    # the update, with its audit entry, is one statement: WITH written AS (UPDATE …), …
    assert [sql.split()[0] for sql in user_sql] == ["SELECT", "WITH"]
    assert user_sql[1].startswith('WITH written AS (UPDATE "accounts_user"')
    assert "FOR UPDATE" not in user_sql[0] and "FOR NO KEY UPDATE" not in user_sql[0]


def test_deactivation_in_one_update_ends_sessions_once(scim, jane):
    before = stored(jane).session_epoch
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    assert scim.patch(f"/Users/{jane.pk}", body).status_code == 200
    row = stored(jane)
    assert (row.active, row.session_epoch, row.version) == (False, before + 1, 2)
    assert scim.patch(f"/Users/{jane.pk}", body).status_code == 200  # a retry changes nothing
    assert (stored(jane).session_epoch, stored(jane).version) == (before + 1, 2)


def test_a_put_of_a_deleted_user_is_404(scim, jane):
    assert scim.delete(f"/Users/{jane.pk}").status_code == 204
    document = {"schemas": [USER_SCHEMA], "userName": "jane@contoso.com"}
    response = scim.put(f"/Users/{jane.pk}", document)
    assert response.status_code == 404
    assert stored(jane).deleted_at is not None
