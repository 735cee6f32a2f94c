"""Writes for learning: content, sharing and progress. Quiz grading is in learning.grading.

Every input is checked against learning.limits here, so the console and the API refuse the
same things with the same message (LearningRefused, shown as a 400). Callers import from
`learning.services`; the modules below hold one concern each.
"""

from learning.services.inputs import LearningRefused
from learning.services.pathways import (
    pathway_create,
    pathway_step_add,
    pathway_step_move,
    pathway_step_remove,
    pathway_update,
)
from learning.services.progress import enrolments_record, progress_complete, progress_open
from learning.services.resources import (
    element_add,
    element_delete,
    element_move,
    question_add,
    question_delete,
    resource_create,
    resource_publish,
    resource_unpublish,
    resource_update,
)
from learning.services.sharing import share_create, share_delete
from learning.services.workspaces import (
    theme_create,
    workspace_access_set,
    workspace_create,
    workspace_update,
)

__all__ = [
    "LearningRefused",
    "element_add",
    "element_delete",
    "element_move",
    "enrolments_record",
    "pathway_create",
    "pathway_step_add",
    "pathway_step_move",
    "pathway_step_remove",
    "pathway_update",
    "progress_complete",
    "progress_open",
    "question_add",
    "question_delete",
    "resource_create",
    "resource_publish",
    "resource_unpublish",
    "resource_update",
    "share_create",
    "share_delete",
    "theme_create",
    "workspace_access_set",
    "workspace_create",
    "workspace_update",
]
