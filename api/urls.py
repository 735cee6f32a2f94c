"""/api/v1 on an organisation's host (mounted in looop.urls_org; the public host has none).

Ids are UUIDs (elements: integers); anything else, and any other path, is a JSON 404.
"""

from django.urls import URLPattern, URLResolver, path, re_path

from api.views import base, content, docs, me, reports, sharing

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", docs.SchemaView.as_view(), name="api_schema"),
    path("docs/", docs.DocsView.as_view(), name="api_docs"),
    path("workspaces", content.WorkspacesView.as_view(), name="api_workspaces"),
    path("workspaces/<uuid:workspace_id>", content.WorkspaceView.as_view(), name="api_workspace"),
    path("resources", content.ResourcesView.as_view(), name="api_resources"),
    path("resources/<uuid:resource_id>", content.ResourceView.as_view(), name="api_resource"),
    path(
        "resources/<uuid:resource_id>/elements",
        content.ResourceElementsView.as_view(),
        name="api_resource_elements",
    ),
    path(
        "resources/<uuid:resource_id>/elements/<int:element_id>/questions",
        content.QuizQuestionsView.as_view(),
        name="api_quiz_questions",
    ),
    path(
        "resources/<uuid:resource_id>/quiz-attempts",
        me.QuizAttemptsView.as_view(),
        name="api_quiz_attempts",
    ),
    path("pathways", content.PathwaysView.as_view(), name="api_pathways"),
    path("pathways/<uuid:pathway_id>", content.PathwayView.as_view(), name="api_pathway"),
    path(
        "pathways/<uuid:pathway_id>/steps",
        content.PathwayStepsView.as_view(),
        name="api_pathway_steps",
    ),
    path("shares", sharing.SharesView.as_view(), name="api_shares"),
    path("shares/<uuid:share_id>", sharing.ShareView.as_view(), name="api_share"),
    path("me/learning", me.MyLearningView.as_view(), name="api_my_learning"),
    path("me/progress/<uuid:resource_id>", me.MyProgressView.as_view(), name="api_my_progress"),
    path(
        "reports/pathways/<uuid:pathway_id>",
        reports.PathwayReportView.as_view(),
        name="api_pathway_report",
    ),
    re_path(r"^[\s\S]*$", base.NotFoundView.as_view()),
]
