"""Password sign-in on an organisation's host, by user name or primary email."""

import functools
import uuid
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest

from accounts.models import User


class SessionUserBackend(ModelBackend):
    """Loads a signed-in request's user with `user_for_session`, whichever way they signed in,
    and refuses those who are deactivated or deleted."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_for_session(user_id)
        return user if user and self.user_can_authenticate(user) else None


class EmailPasswordBackend(SessionUserBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        # The query runs in the request's schema, so org B never sees org A's people.
        candidates = User.objects.filter(
            Q(user_name__iexact=username) | Q(email__iexact=username), deleted_at__isnull=True
        )[:2]
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        User().set_password(password)  # equalise timing with the found-user path
        return None


# What a signed-in request loads of its user: every column but the SCIM attributes kept as
# JSON lists, which no page reads from `request.user` (the person's console page, SCIM and
# sign-in load their own rows). They load on first access if some code does read them.
SESSION_USER_DEFERRED = frozenset({"emails", "phone_numbers", "addresses"})


@functools.cache
def _session_user_select() -> tuple[str, tuple[str, ...]]:
    fields = [f for f in User._meta.concrete_fields if f.name not in SESSION_USER_DEFERRED]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {quote('id')} = %s"
    return sql, tuple(f.attname for f in fields)


def user_for_session(user_id: object) -> User | None:
    """The user a session names, in this request's organisation (the schema's search path),
    or None. Every signed-in page pays for this, so it is one plain statement written once
    per process: through the ORM (`filter(pk=…).first()`, every column) it was about a
    quarter of the learner home's CPU in process (docs/performance.md, Learner home).
    tests/accounts/test_session_user.py holds it equal to the ORM's row."""
    try:
        pk = uuid.UUID(str(user_id))
    except ValueError:
        return None
    sql, names = _session_user_select()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else User.from_db(connection.alias, names, row)
