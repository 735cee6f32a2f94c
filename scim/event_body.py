"""The request body kept with a provisioning event: secrets removed, size capped.

Admins debugging provisioning need to see what Entra sent; they must not see a password.
Runs on every SCIM write, so it is one walk of the already-parsed body and one dumps.
"""

import json
from typing import Any

# RFC 7643 §4.1.1: `password` is writable and never returned; the rest are names that
# carry secrets in other SCIM clients' extensions.
SECRET_WORDS = ("password", "secret", "token", "credential", "apikey", "api_key")
REMOVED = "(removed)"
BODY_MAX_CHARS = 4096  # an event row stays small; Entra's user bodies are about 1 KB
TRUNCATED = "… (truncated)"


def _secret(name: object) -> bool:
    return isinstance(name, str) and any(word in name.lower() for word in SECRET_WORDS)


def redact(value: Any, depth: int = 0) -> Any:
    """A copy of a JSON value with secrets' values replaced: keys that name one, and the
    `value` of a PATCH operation whose `path` names one (RFC 7644 §3.5.2)."""
    if depth > 32:  # the parser caps nesting already; never recurse without bound here
        return REMOVED
    if isinstance(value, dict):
        hide_value = _secret(value.get("path"))
        return {
            key: REMOVED
            if _secret(key) or (hide_value and key == "value")
            else redact(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item, depth + 1) for item in value]
    return value


def body_for_log(data: Any) -> str:
    """The parsed body as JSON text for the provisioning log, or "" when there is none.

    Bodies that name no secret anywhere (nearly all that Entra sends) are dumped once and not
    walked: about 20 µs for a 1 KB user instead of 120 µs (docs/performance.md)."""
    if data is None or data == {} or data == []:
        return ""
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        lowered = text.lower()
        if any(word in lowered for word in SECRET_WORDS):
            text = json.dumps(redact(data), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON-shaped (never from the SCIM parsers)
        return ""
    if len(text) > BODY_MAX_CHARS:
        text = text[: BODY_MAX_CHARS - len(TRUNCATED)] + TRUNCATED
    return text
