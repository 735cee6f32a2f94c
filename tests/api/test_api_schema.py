"""/api/v1/schema/ (OpenAPI 3) and the docs page, whose assets are our own static files and
which keeps the site-wide Content-Security-Policy."""

import pytest

from api.views.docs import SWAGGER_STYLE_HASH
from looop.csp import DEFAULT_POLICY, policy_header

pytestmark = pytest.mark.django_db

OPERATIONS = {
    "/api/v1/workspaces": {"get", "post"},
    "/api/v1/workspaces/{workspace_id}": {"get", "put"},
    "/api/v1/resources": {"get", "post"},
    "/api/v1/resources/{resource_id}": {"get", "patch"},
    "/api/v1/resources/{resource_id}/elements": {"post"},
    "/api/v1/resources/{resource_id}/elements/{element_id}/questions": {"post"},
    "/api/v1/resources/{resource_id}/quiz-attempts": {"get", "post"},
    "/api/v1/pathways": {"get", "post"},
    "/api/v1/pathways/{pathway_id}": {"get"},
    "/api/v1/pathways/{pathway_id}/steps": {"post"},
    "/api/v1/shares": {"get", "post"},
    "/api/v1/shares/{share_id}": {"get", "delete"},
    "/api/v1/me/learning": {"get"},
    "/api/v1/me/progress/{resource_id}": {"get", "post"},
    "/api/v1/reports/pathways/{pathway_id}": {"get"},
}


def test_the_schema_lists_every_operation_with_token_auth(acme_client):
    response = acme_client.get("/api/v1/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Looop API"
    assert {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()} == OPERATIONS
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    report = schema["paths"]["/api/v1/reports/pathways/{pathway_id}"]["get"]["responses"]["200"]
    assert set(report["content"]) == {"application/json", "text/csv"}
    option = schema["components"]["schemas"]["Option"]
    assert "correct" not in option.get("required", [])
    assert acme_client.get("/api/v1/schema/?format=json").json() == schema
    assert acme_client.get("/api/v1/schema/").content.startswith(b"openapi: 3.")


def test_the_schema_is_not_on_the_public_host(public_client):
    assert public_client.get("/api/v1/schema/").status_code == 404


def test_the_docs_page_uses_local_assets_and_relaxes_the_csp_for_one_style(acme_client):
    page = acme_client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert page["Content-Security-Policy"] == policy_header(
        {**DEFAULT_POLICY, "style-src": f"'self' {SWAGGER_STYLE_HASH}"}
    )
    # Only there: every other page keeps the site-wide policy.
    assert acme_client.get("/login")["Content-Security-Policy"] == policy_header(DEFAULT_POLICY)
    assert acme_client.get("/api/v1/schema/")["Content-Security-Policy"] == policy_header(
        DEFAULT_POLICY
    )
    html = page.text
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "<script>" not in html  # no inline script: the split view serves it as a file
    script = acme_client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()
