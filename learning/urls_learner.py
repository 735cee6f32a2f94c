"""The learner's pages (the home page `/` is routed in looop.urls_org)."""

from django.urls import URLPattern, path

from learning import views_learner

urlpatterns: list[URLPattern] = [
    path(
        "learn/workspaces/<uuid:workspace_id>",
        views_learner.workspace_page,
        name="learning_workspace",
    ),
    path(
        "learn/resources/<uuid:resource_id>", views_learner.resource_page, name="learning_resource"
    ),
    path(
        "learn/resources/<uuid:resource_id>/complete",
        views_learner.resource_complete,
        name="learning_resource_complete",
    ),
    path(
        "learn/resources/<uuid:resource_id>/quiz",
        views_learner.quiz_submit_view,
        name="learning_quiz_submit",
    ),
    path("learn/pathways/<uuid:pathway_id>", views_learner.pathway_page, name="learning_pathway"),
]
