"""The one base class of every /api/v1 endpoint: DRF's APIView with the API's parts set
here rather than in settings.REST_FRAMEWORK, so the SCIM views keep their own.

- authentication: a personal API token, or the browser session (CSRF on unsafe methods);
- permissions: an active person of this organisation (views narrow it to admins);
- content: JSON with the body limits; errors always JSON (api.exceptions);
- schema: drf-spectacular's AutoSchema (settings.REST_FRAMEWORK), for /api/v1/schema/.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import ApiTokenAuthentication
from api.exceptions import api_exception_handler
from api.media import ApiJSONRenderer, LimitedJSONParser
from api.pagination import ApiPagination
from api.permissions import IsPerson
from looop.input_limits import InputRefused, params_check


class ApiView(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPerson]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [ApiJSONRenderer]
    throttle_classes: list[Any] = []
    checks_own_input = True  # looop.input_middleware leaves the query to initial()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.API_MAX_BODY_BYTES:
            raise InputRefused(
                f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes.",
                kind="too_large",
            )  # before reading any of it
        super().initial(request, *args, **kwargs)  # authentication, permissions
        params_check(request.query_params.lists())

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response]:
        return api_exception_handler

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON whatever was asked for (a CSV request included).
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = ApiJSONRenderer()
            request.accepted_media_type = ApiJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    # --- helpers ---

    def paged(self, items: Any, serialize: Callable[[list[Any]], Any]) -> Response:
        """One page of `items` (a queryset or a list), serialised by `serialize`."""
        paginator = ApiPagination()
        page = paginator.paginate_queryset(items, self.request, view=self)
        return paginator.get_paginated_response(serialize(list(page or [])))


class NotFoundView(ApiView):
    """Any other path under /api/v1 gets a JSON 404, signed in or not."""

    permission_classes: list[Any] = []
    schema = None

    def _missing(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound()

    get = post = put = patch = delete = _missing
