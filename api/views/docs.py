"""The OpenAPI schema (/api/v1/schema/) and its browsable docs (/api/v1/docs/), open to
anyone on an organisation's host: the schema is the same for every organisation. The docs
page's assets come from drf-spectacular-sidecar through our own static files, and its
script is a separate file (the split view), so the site-wide CSP holds on it unchanged."""

from typing import Any

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from api.exceptions import api_exception_handler


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

    def get_exception_handler(self) -> Any:
        return api_exception_handler
