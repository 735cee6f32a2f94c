"""The database backend (looop/db) skips `SET search_path` only when the session has it."""

import pytest
from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.models import Group, User

pytestmark = pytest.mark.django_db


def sets(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if q["sql"].startswith("SET search_path")]


def test_repeated_requests_for_one_organisation_send_no_set(scim):
    # A routing entry cached by an earlier test could expire mid-test (60 s): start fresh.
    caches["routing"].clear()
    scim.get("/ServiceProviderConfig")
    with CaptureQueriesContext(connection) as context:
        scim.get("/Users")
        scim.get("/Groups")
    assert sets(context) == []


def test_another_organisation_gets_its_search_path(scim, globex_scim):
    caches["routing"].clear()  # fresh entries, as above
    for client in (scim, globex_scim, scim):  # routing caches warm
        client.get("/Users")
    with CaptureQueriesContext(connection) as context:
        response = globex_scim.get("/Users")
        scim.get("/Users")
    assert [u["userName"] for u in response.json()["Resources"]] == ["gina@globex.test"]
    assert sets(context) == [
        'SET search_path = "globex","public"',
        'SET search_path = "acme","public"',
    ]


def test_a_rolled_back_set_is_issued_again(acme):
    connection.set_schema_to_public()
    with schema_context("acme"), CaptureQueriesContext(connection) as context:
        with pytest.raises(IntegrityError), transaction.atomic():
            Group.objects.count()  # the SET happens inside the savepoint...
            User.objects.create(user_name="alice@acme.test")  # ...which is rolled back
        assert User.objects.filter(user_name="alice@acme.test").exists()
    statements = [q["sql"] for q in context.captured_queries]
    rollback = next(i for i, sql in enumerate(statements) if sql.startswith("ROLLBACK TO"))
    assert 'SET search_path = "acme","public"' in statements[rollback + 1 :]
