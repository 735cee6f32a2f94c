"""manage.py demo: the demo organisation, and a way back in for whoever lost its password."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def shown_password(output: str) -> str:
    match = re.search(r"Admin password:  (\S+) \(shown once\)", output)
    assert match, output
    return match.group(1)


def test_new_admin_password_replaces_the_lost_one():
    first = shown_password(demo())
    again = demo()
    assert "Admin password:  unchanged" in again
    assert "manage.py demo --new-admin-password" in again
    new = shown_password(demo("--new-admin-password"))
    assert new != first
    with schema_context("demo"):
        admin = User.objects.get(user_name="admin@demo.looop.localhost")
        assert admin.check_password(new) and not admin.check_password(first)
        entry = AuditEntry.objects.get(action="user.password_set")
        assert (entry.actor_label, entry.detail["how"]) == (
            "system",
            "manage.py demo --new-admin-password",
        )


def test_demo_output_says_where_emails_go(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    assert f"Emails:          written as files under {tmp_path}/" in demo()
