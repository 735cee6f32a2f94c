"""Password sign-in on an organisation's host, by user name or primary email."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from accounts.models import User


class EmailPasswordBackend(ModelBackend):
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

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None
