"""Two admins demoting each other at the same moment leave one admin.

Row locks only matter between committed transactions on separate connections, so this test
uses its own committed organisation instead of the rolled-back `db` fixture.
"""

import threading
import uuid

from django.db import connection
from django_tenants.utils import schema_context

from accounts.actors import Actor
from accounts.models import User
from accounts.services import Refused, organisation_create, user_create, user_role_set
from tests.conftest import PASSWORD


def test_two_admins_demoting_each_other_at_once_leave_one_admin(django_db_setup, django_db_blocker):
    slug = f"race{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"
        _, first = organisation_create(
            slug=slug, name="Race", admin_email=f"first@{slug}.test", admin_password=PASSWORD
        )
        with schema_context(slug):
            second = user_create(
                user_name=f"second@{slug}.test",
                password=PASSWORD,
                actor=Actor.console(first),
                role="admin",
            )
        connection.set_schema_to_public()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(user: User, actor: User) -> None:
        with django_db_blocker.unblock():
            try:
                with schema_context(slug):
                    barrier.wait()
                    user_role_set(user=user, role="member", actor=Actor.console(actor))
                    outcomes.append("demoted")
            except Refused:
                outcomes.append("refused")
            finally:
                connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["demoted", "refused"]
    with django_db_blocker.unblock(), schema_context(slug):
        assert User.objects.filter(role="admin").count() == 1
