"""Writes for workspaces, who is given a private one, and their themes."""

from collections.abc import Sequence

from django.db import transaction

from accounts.models import Group, User
from learning import limits
from learning.models import Theme, Workspace, WorkspaceAccess
from learning.services.inputs import LearningRefused, next_position, text_field


def workspace_create(*, name: str, visibility: str = "open", description: str = "") -> Workspace:
    if visibility not in Workspace.Visibility.values:
        raise LearningRefused("Visibility must be open or private.")
    return Workspace.objects.create(
        name=text_field(name, field="Name", max_length=limits.TITLE_MAX),
        description=text_field(
            description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
        ),
        visibility=visibility,
    )


def workspace_update(
    *, workspace: Workspace, name: str, visibility: str, description: str = ""
) -> Workspace:
    if visibility not in Workspace.Visibility.values:
        raise LearningRefused("Visibility must be open or private.")
    workspace.name = text_field(name, field="Name", max_length=limits.TITLE_MAX)
    workspace.description = text_field(
        description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
    )
    workspace.visibility = visibility
    workspace.save(update_fields=["name", "description", "visibility"])
    return workspace


@transaction.atomic
def workspace_access_set(
    *, workspace: Workspace, groups: Sequence[Group], users: Sequence[User]
) -> None:
    """Replace who is given a private workspace."""
    if len(groups) + len(users) > limits.ACCESS_ENTRIES_PER_WORKSPACE_MAX:
        raise LearningRefused(
            f"A workspace can be given to at most {limits.ACCESS_ENTRIES_PER_WORKSPACE_MAX}"
            " groups and people."
        )
    WorkspaceAccess.objects.filter(workspace=workspace).delete()
    WorkspaceAccess.objects.bulk_create(
        [WorkspaceAccess(workspace=workspace, group=g) for g in dict.fromkeys(groups)]
        + [WorkspaceAccess(workspace=workspace, user=u) for u in dict.fromkeys(users)]
    )


def theme_create(*, workspace: Workspace, name: str) -> Theme:
    if workspace.themes.count() >= limits.THEMES_PER_WORKSPACE_MAX:
        raise LearningRefused(f"A workspace has at most {limits.THEMES_PER_WORKSPACE_MAX} themes.")
    return Theme.objects.create(
        workspace=workspace,
        name=text_field(name, field="Theme name", max_length=limits.TITLE_MAX),
        position=next_position(workspace.themes.all()),
    )
