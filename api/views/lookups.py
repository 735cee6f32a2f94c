"""Finding the row an API call names, for this caller: one place, so every endpoint answers
an unknown, hidden or other organisation's id the same way (404), and a step that "enforce
order" keeps closed the same way as the pages do (403, naming what to complete first)."""

import uuid
from typing import Any

from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from accounts.models import Group, User
from accounts.selectors import group_get, user_get
from learning.models import Element, Pathway, Resource, Share, Workspace
from learning.selectors import (
    StepLock,
    pathway_for_learner,
    resource_access,
    with_has_quiz,
    workspace_for_learner,
)


def uuid_param(value: Any, field: str) -> uuid.UUID | None:
    """A UUID from a query parameter (None when absent), or 400."""
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({field: ["Must be a UUID."]}) from None


def workspace_for(user: User, workspace_id: uuid.UUID) -> Workspace:
    found = (
        Workspace.objects.filter(pk=workspace_id).first()
        if user.is_admin
        else workspace_for_learner(user=user, workspace_id=workspace_id)
    )
    if found is None:
        raise NotFound()
    return found


def resource_for(user: User, resource_id: uuid.UUID) -> Resource:
    """Admins: any resource, drafts included. Members: what they may open now."""
    if user.is_admin:
        found = (
            with_has_quiz(Resource.objects.select_related("workspace", "theme"))
            .filter(pk=resource_id)
            .first()
        )
        if found is None:
            raise NotFound()
        return found
    return learner_resource(user, resource_id)


def learner_resource(user: User, resource_id: uuid.UUID) -> Resource:
    """The resource as a learner may open it (admins too, for their own progress)."""
    found = resource_access(user=user, resource_id=resource_id)
    if isinstance(found, StepLock):
        raise PermissionDenied(found.message)
    if found is None:
        raise NotFound()
    return found


def pathway_for(user: User, pathway_id: uuid.UUID) -> Pathway:
    found = (
        Pathway.objects.filter(pk=pathway_id).first()
        if user.is_admin
        else pathway_for_learner(user=user, pathway_id=pathway_id)
    )
    if found is None:
        raise NotFound()
    return found


def element_of(resource: Resource, element_id: int) -> Element:
    found = Element.objects.filter(resource=resource, pk=element_id).first()
    if found is None:
        raise NotFound()
    return found


def share_get(share_id: uuid.UUID) -> Share:
    found = Share.objects.filter(pk=share_id).first()
    if found is None:
        raise NotFound()
    return found


def named_target(resource_id: uuid.UUID | None, pathway_id: uuid.UUID | None) -> Resource | Pathway:
    """The resource or pathway a share body names (admins only), or 400 naming the field."""
    if resource_id is not None:
        resource = Resource.objects.filter(pk=resource_id).first()
        if resource is None:
            raise ValidationError({"resource": ["No such resource."]})
        return resource
    pathway = Pathway.objects.filter(pk=pathway_id).first()
    if pathway is None:
        raise ValidationError({"pathway": ["No such pathway."]})
    return pathway


def named_recipient(
    group_id: uuid.UUID | None, user_id: uuid.UUID | None
) -> tuple[Group | None, User | None]:
    if group_id is not None:
        group = group_get(group_id=group_id)
        if group is None:
            raise ValidationError({"group": ["No such group."]})
        return group, None
    person = user_get(user_id=user_id)
    if person is None or not person.is_active:
        raise ValidationError({"user": ["No such active person."]})
    return None, person
