"""Who may call what: the console's rules. Members reach their own learning and what the
access selector (learning.selectors) lets them see; admins also reach content, sharing and
reports. Decided before any id is looked up, so a member learns nothing from a 403."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


def is_person(request: Request) -> bool:
    user = request.user
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


class IsPerson(BasePermission):
    """Any active person of this organisation, member or admin."""

    message = "Authentication required: sign in, or send 'Authorization: Bearer looop_api_…'."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_person(request)


class IsAdmin(BasePermission):
    message = "Only organisation admins can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_person(request) and request.user.is_admin


class IsAdminToWrite(BasePermission):
    """Everyone reads (what the access selector allows them); only admins write."""

    message = "Only organisation admins can change learning content."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not is_person(request):
            return False
        return request.method in SAFE_METHODS or request.user.is_admin
