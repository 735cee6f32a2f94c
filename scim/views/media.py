"""What SCIM requests and responses are made of (RFC 7644 §3.1, §8.1), as DRF classes.

Bodies are JSON, sent as `application/scim+json` or `application/json`; responses are
`application/scim+json` unless a client asks for `application/json` alone. Never 406: a
SCIM client always gets a body it can parse.
"""

import json
from typing import Any

from django.conf import settings
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from looop.input_limits import InputRefused, json_document
from scim.errors import ScimError, from_refusal

SCIM_MEDIA_TYPE = "application/scim+json"


def body_too_large() -> ScimError:
    return ScimError(413, f"The request body is larger than {settings.SCIM_MAX_BODY_BYTES} bytes.")


def body_load(raw: bytes) -> Any:
    """The one place a SCIM request body becomes Python values."""
    try:
        return json_document(
            raw, max_bytes=settings.SCIM_MAX_BODY_BYTES, max_depth=settings.MAX_JSON_DEPTH
        )
    except InputRefused as refused:  # size, depth, syntax, NUL and lone surrogates
        raise from_refusal(refused) from None


class ScimJSONParser(BaseParser):
    """Reads at most SCIM_MAX_BODY_BYTES (+1, to tell a larger body) from the stream."""

    media_type = SCIM_MEDIA_TYPE

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        limit = settings.SCIM_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise body_too_large()
        return body_load(raw)


class PlainJSONParser(ScimJSONParser):
    media_type = "application/json"


def json_text(data: Any) -> str:
    """JSON text as ScimJSONRenderer writes it (DRF's defaults: compact, UTF-8, no NaN)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class RawJSON:
    """A response body that is already JSON text (documents rendered by PostgreSQL)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class ScimJSONRenderer(JSONRenderer):
    media_type = SCIM_MEDIA_TYPE
    format = "scim"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, RawJSON):
            # U+2028 and U+2029 escaped, as DRF's JSONRenderer does for everything else
            # (str.replace returns the same string when there is none to replace).
            return data.text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
        return super().render(data, accepted_media_type, renderer_context)


class PlainJSONRenderer(ScimJSONRenderer):
    media_type = "application/json"
    format = "json"


class ScimNegotiation(DefaultContentNegotiation):
    """Parsers as DRF chooses them; `application/json` only when asked for it alone."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        accept = request.META.get("HTTP_ACCEPT", "")
        scim, plain = renderers[0], renderers[1]
        if "application/json" in accept and SCIM_MEDIA_TYPE not in accept and "*/*" not in accept:
            return plain, plain.media_type
        return scim, scim.media_type
