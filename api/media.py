"""Request and response formats of /api/v1: JSON in (with the body limits of DESIGN §10),
JSON out, and CSV out where a view offers it (`Accept: text/csv`)."""

from typing import Any

from django.conf import settings
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer

from looop.input_limits import InputRefused, json_document


class LimitedJSONParser(JSONParser):
    """JSON with a size cap, a nesting cap, and no NUL or lone surrogate in any string."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise InputRefused(f"The request body is larger than {limit} bytes.",
                               kind="too_large")  # fmt: skip
        return json_document(raw, max_bytes=limit, max_depth=settings.MAX_JSON_DEPTH)


class ApiJSONRenderer(JSONRenderer):
    charset = "utf-8"


class CSVRenderer(BaseRenderer):
    """Named in content negotiation only: views that offer CSV stream it themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Any = None) -> bytes:  # fmt: skip
        return b""  # never reached: errors are always JSON (api.views.base)
