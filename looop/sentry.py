"""Error reports to Sentry, set up by settings only when `SENTRY_DSN` is set.

No personal data is sent (`send_default_pii` off: no cookies, user ids or addresses, and
request bodies are not attached). Each event carries the request id of its log lines.
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

from looop.env import env_str


def _with_request_id(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    from looop.observability import request_id_var

    request_id = request_id_var.get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def sentry_init(*, dsn: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        release=env_str("SENTRY_RELEASE") or None,
        traces_sample_rate=float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0")),
        before_send=_with_request_id,
    )
