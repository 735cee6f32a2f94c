"""The OpenAPI schema (/api/v1/schema/) and its browsable docs (/api/v1/docs/), open to
anyone on an organisation's host: the schema is the same for every organisation. The docs
page's assets come from drf-spectacular-sidecar through our own static files, and its
script is a separate file (the split view), so scripts keep the site-wide CSP. Swagger UI
inserts one fixed <style> element; this page alone allows that element by its hash.
"""

from typing import Any

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from api.exceptions import api_exception_handler
from looop.csp import DEFAULT_POLICY, policy_header

# The <style> Swagger UI (drf-spectacular-sidecar 2026.10.1) inserts; a new version may
# change it, and tests/e2e/test_api_docs_browser.py then reports the violation.
SWAGGER_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
DOCS_POLICY = policy_header({**DEFAULT_POLICY, "style-src": f"'self' {SWAGGER_STYLE_HASH}"})


class SchemaView(SpectacularAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    schema = None  # not an operation of the API itself

    def get_exception_handler(self) -> Any:
        return api_exception_handler


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    schema = None  # not an operation of the API itself
    url_name = "api_schema"

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_POLICY  # the middleware leaves it be
        return response

    def get_exception_handler(self) -> Any:
        return api_exception_handler
