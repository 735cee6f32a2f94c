"""Learning in the admin console: workspaces, resources, pathways, shares and reports."""

from django.urls import URLPattern, path, re_path

from learning import views_console as c
from learning import views_editor as e
from learning import views_pathways as p
from learning import views_reports as r

RESOURCE = "learning/resources/<uuid:resource_id>"
PATHWAY = "learning/pathways/<uuid:pathway_id>"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

urlpatterns: list[URLPattern] = [
    path("learning", c.learning_console, name="learning_console"),
    path("learning/workspaces", c.workspace_create, name="learning_workspace_create"),
    path(
        "learning/workspaces/<uuid:workspace_id>",
        c.workspace_console,
        name="learning_workspace_console",
    ),
    path(
        "learning/workspaces/<uuid:workspace_id>/settings",
        c.workspace_settings,
        name="learning_workspace_settings",
    ),
    path(
        "learning/workspaces/<uuid:workspace_id>/access",
        c.workspace_access,
        name="learning_workspace_access",
    ),
    path(
        "learning/workspaces/<uuid:workspace_id>/themes",
        c.theme_create,
        name="learning_theme_create",
    ),
    path(
        "learning/workspaces/<uuid:workspace_id>/resources",
        c.resource_create,
        name="learning_resource_create",
    ),
    path(RESOURCE, e.resource_editor, name="learning_resource_editor"),
    path(f"{RESOURCE}/settings", e.resource_settings, name="learning_resource_settings"),
    path(f"{RESOURCE}/elements", e.element_add, name="learning_element_add"),
    path(
        f"{RESOURCE}/elements/<int:element_id>/move", e.element_move, name="learning_element_move"
    ),
    path(
        f"{RESOURCE}/elements/<int:element_id>/delete",
        e.element_delete,
        name="learning_element_delete",
    ),
    path(
        f"{RESOURCE}/elements/<int:element_id>/questions",
        e.question_add,
        name="learning_question_add",
    ),
    path(
        f"{RESOURCE}/questions/<int:question_id>/delete",
        e.question_delete,
        name="learning_question_delete",
    ),
    path(f"{RESOURCE}/publish", e.resource_publish, name="learning_resource_publish"),
    path(f"{RESOURCE}/preview", e.resource_preview, name="learning_resource_preview"),
    path(f"{RESOURCE}/share", p.resource_share, name="learning_resource_share"),
    path("learning/pathways", p.pathway_create, name="learning_pathway_create"),
    path(PATHWAY, p.pathway_console, name="learning_pathway_console"),
    path(f"{PATHWAY}/settings", p.pathway_settings, name="learning_pathway_settings"),
    path(f"{PATHWAY}/steps", p.pathway_step_add, name="learning_pathway_step_add"),
    path(f"{PATHWAY}/steps/<int:step_id>", p.pathway_step_edit, name="learning_pathway_step_edit"),
    path(f"{PATHWAY}/share", p.pathway_share, name="learning_pathway_share"),
    path("learning/shares/<uuid:share_id>/delete", p.share_delete, name="learning_share_delete"),
    re_path(
        rf"^learning/reports/(?P<kind>pathways|resources)/(?P<target_id>{UUID})$",
        r.report_page,
        name="learning_report",
    ),
    re_path(
        rf"^learning/reports/(?P<kind>pathways|resources)/(?P<target_id>{UUID})\.csv$",
        r.report_csv,
        name="learning_report_csv",
    ),
    path("learning/people/<uuid:user_id>", r.person_learning, name="learning_person"),
]
