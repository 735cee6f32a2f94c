"""The create_organisation command and service: validation, rollback, and what it creates."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts import services
from accounts.models import Domain, Organisation, User
from accounts.slugs import InvalidSlug, slug_validate

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_organisation", *args, stdout=out)
    return out.getvalue()


def test_creates_schema_domain_and_admin(db):
    output = run("initech", "--name", "Initech", "--admin-email", "peter@initech.test")
    assert "Created organisation 'Initech' at initech.looop.localhost" in output
    assert "Admin password (shown once): " in output
    organisation = Organisation.objects.get(schema_name="initech")
    assert organisation.name == "Initech"
    assert Domain.objects.get(tenant=organisation).domain == "initech.looop.localhost"
    assert schema_exists("initech")
    with schema_context("initech"):
        admin = User.objects.get()
        assert (admin.user_name, admin.email, admin.role) == (
            "peter@initech.test",
            "peter@initech.test",
            "admin",
        )


def test_given_password_is_used_and_not_printed(db):
    output = run(
        "hooli",
        "--name",
        "Hooli",
        "--admin-email",
        "g@hooli.test",
        "--admin-password",
        "a long pass phrase",
    )
    assert "a long pass phrase" not in output
    with schema_context("hooli"):
        assert User.objects.get().check_password("a long pass phrase")


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("www", "'www' is reserved"),
        ("admin", "'admin' is reserved"),
        ("public", "'public' is reserved"),
        ("sso", "'sso' is reserved"),
        ("Bad_Slug", "is not a valid organisation slug"),
        ("acme-", "is not a valid organisation slug"),
        ("a" * 64, "is not a valid organisation slug"),
        ("acme", "already exists"),
    ],
)
def test_bad_slugs_fail_with_one_clear_line(db, slug, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        run(slug, "--name", "X", "--admin-email", "x@x.test")
    assert "\n" not in str(excinfo.value)


def test_bad_email_and_weak_password_are_refused(db):
    with pytest.raises(CommandError, match="not a valid email"):
        run("okslug", "--name", "X", "--admin-email", "nope")
    with pytest.raises(CommandError, match="too short|too common"):
        run("okslug", "--name", "X", "--admin-email", "x@x.test", "--admin-password", "abc")
    assert not Organisation.objects.filter(schema_name="okslug").exists()


def test_failure_part_way_leaves_nothing(db, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.organisations, "user_create", explode)
    with pytest.raises(RuntimeError):
        services.organisation_create(
            slug="halfway", name="Half", admin_email="h@h.test", admin_password="a long pass phrase"
        )
    connection.set_schema_to_public()
    assert not Organisation.objects.filter(schema_name="halfway").exists()
    assert not Domain.objects.filter(domain="halfway.looop.localhost").exists()
    assert not schema_exists("halfway")


def test_slug_rules():
    assert slug_validate("acme-2") == "acme-2"
    for bad in ["", "a_b", "ab-", "UPPER", "x.y", "looop_template"]:
        with pytest.raises(InvalidSlug):
            slug_validate(bad)


def _shape(schema: str) -> tuple[set, set, set]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = %s",
            [schema],
        )
        columns = {tuple(str(v).replace(schema, "S") for v in row) for row in cursor.fetchall()}
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s", [schema])
        indexes = {row[0].replace(f"{schema}.", "S.") for row in cursor.fetchall()}
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        migrations = set(cursor.fetchall())
    return columns, indexes, migrations


def test_new_schema_has_exactly_the_template_tables_indexes_and_migrations(acme):
    from accounts.tenancy import TEMPLATE_SCHEMA

    columns, indexes, migrations = _shape("acme")
    assert (columns, indexes, migrations) == _shape(TEMPLATE_SCHEMA)
    assert len(indexes) > 20 and len(migrations) > 10


def test_schema_is_rebuilt_from_the_template_when_its_sql_is_missing(db):
    from accounts.models import SchemaTemplate

    SchemaTemplate.objects.all().delete()
    run("umbrella", "--name", "Umbrella", "--admin-email", "u@umbrella.test")
    assert SchemaTemplate.objects.count() == 1
    with schema_context("umbrella"):
        assert User.objects.get().user_name == "u@umbrella.test"
