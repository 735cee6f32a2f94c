"""SCIM errors (RFC 7644 §3.12). Raise ScimError anywhere; the SCIM views render it."""

from typing import Any

from looop.input_limits import InputRefused, safe_text

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        detail = safe_text(detail)  # a detail may quote input: keep it encodable and storable
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "schemas": [ERROR_SCHEMA],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidSyntax")


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def no_target(detail: str) -> ScimError:
    return ScimError(400, detail, "noTarget")


def mutability(detail: str) -> ScimError:
    return ScimError(400, detail, "mutability")


def uniqueness(detail: str) -> ScimError:
    return ScimError(409, detail, "uniqueness")


def too_many(detail: str) -> ScimError:
    return ScimError(400, detail, "tooMany")


def not_found(detail: str) -> ScimError:
    return ScimError(404, detail)


def from_refusal(refused: InputRefused) -> ScimError:
    """A request input refused by looop.input_limits, as a SCIM error."""
    if refused.kind == "too_large":
        return ScimError(413, refused.message)
    if refused.kind in ("too_deep", "syntax"):
        return invalid_syntax(refused.message)
    if refused.field == "filter":
        return invalid_filter(refused.message)
    return invalid_value(refused.message)
