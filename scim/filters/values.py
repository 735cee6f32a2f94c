"""Comparison values: checking a filter literal against the attribute's type."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.utils.dateparse import parse_date, parse_datetime

from scim.errors import invalid_filter

Kind = Literal["string", "boolean", "datetime", "uuid"]

ORDERING = ("gt", "ge", "lt", "le")
SUBSTRING = ("co", "sw", "ew")


def string_value(value: Any, *, op: str, label: str) -> str:
    # A JSON number against a string attribute (`employeeNumber eq 1234`) means its digits.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise invalid_filter(f"'{label} {op}' needs a string value.")
    return value


def boolean_value(value: Any, *, op: str, label: str) -> bool:
    # RFC 7644 §3.4.2.2: gt/ge/lt/le (and, by extension, substrings) on a boolean is invalid.
    if op not in ("eq", "ne"):
        raise invalid_filter(f"'{op}' cannot be applied to the boolean '{label}'.")
    if isinstance(value, bool):
        return value
    # Entra sends booleans as the strings "True"/"False" elsewhere; accept them here too.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_filter(f"'{label}' is a boolean: compare it with true or false.")


def datetime_value(value: Any, *, op: str, label: str) -> dt.datetime:
    if op in SUBSTRING:
        raise invalid_filter(f"'{op}' cannot be applied to the date-time '{label}'.")
    parsed: dt.datetime | None = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
            if parsed is None and (day := parse_date(value)) is not None:
                parsed = dt.datetime.combine(day, dt.time())
        except ValueError:
            parsed = None
    if parsed is None:
        raise invalid_filter(
            f"'{label}' needs an ISO 8601 date-time, such as 2024-05-01T12:00:00Z."
        )
    # RFC 7643 §2.3.5 date-times carry a zone; one without is read as UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def uuid_value(value: Any, *, op: str, label: str) -> uuid.UUID | None:
    """The UUID, or None when the value is not one (which `eq` treats as matching nothing)."""
    if not isinstance(value, str):
        raise invalid_filter(f"'{label} {op}' needs a string value.")
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
