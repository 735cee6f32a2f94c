"""Limits on what a request may send, checked where the input enters (DESIGN §10).

Small pure functions, shared by the SCIM API and the console:

- `json_document`: a JSON body with a size cap and a nesting cap, checked before
  `json.loads` can recurse (about 1,000 levels raise RecursionError), and with no string
  PostgreSQL cannot store;
- `text_check`: one string from a form, a query parameter or a document;
- `integer_value`: a paging number that `int()` can hold and PostgreSQL can use.

PostgreSQL refuses NUL in text, and a lone UTF-16 surrogate (`"\\ud800"` in JSON) cannot be
encoded as UTF-8 at all, so either one would fail later, at an INSERT or while encoding a
response, as a 500. Every refusal is an `InputRefused` whose message never repeats the bad
characters, so the error response itself can always be encoded.
"""

import json
import math
import re
from collections.abc import Collection, Iterable
from typing import Any, Literal

from django.core.exceptions import BadRequest

Kind = Literal["too_large", "too_deep", "syntax", "text", "number"]

# Characters no stored string may hold: NUL and the UTF-16 surrogate range.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# For the nesting check, on the body's bytes (UTF-8 never uses ASCII bytes inside a
# multi-byte character): everything but quotes and brackets, then strings.
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'"[]{}'))
_STRING = re.compile(rb'"[^"]*"')
_INNERMOST = re.compile(rb"\[\]|\{\}")
# An escape that may decode to NUL or a surrogate (see `json_document`).
_RISKY_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


class InputRefused(BadRequest):
    """A request input refused before use. `message` is fixed text, safe to show and log.

    A BadRequest, so that Django answers 400 wherever it is raised outside the SCIM API;
    the SCIM API turns it into its own error body (scim.errors.from_refusal).
    """

    def __init__(self, message: str, *, kind: Kind, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field


def text_problem(value: str) -> str | None:
    """What makes `value` unstorable ("a NUL character", "an unpaired UTF-16 surrogate"),
    or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "an unpaired UTF-16 surrogate"


def text_check(value: str, field: str) -> str:
    """`value`, or InputRefused if it holds NUL or a lone surrogate."""
    problem = text_problem(value)
    if problem is not None:
        raise InputRefused(f"'{field}' contains {problem}, which is not allowed.",
                           kind="text", field=field)  # fmt: skip
    return value


def params_check(params: Iterable[tuple[str, list[str]]], *, skip: Collection[str] = ()) -> None:
    """Query or form parameters as `QueryDict.lists()`: InputRefused for the first name or
    value that holds NUL or a lone surrogate. Names in `skip` (lower case) are left to
    their own parser."""
    for name, values in params:
        if name.lower() in skip:
            continue
        for text in (name, *values):
            problem = text_problem(text)
            if problem is not None:
                raise InputRefused(
                    f"The parameter '{safe_text(name)}' contains {problem}, which is not allowed.",
                    kind="text", field=name,
                )  # fmt: skip


def safe_text(value: str) -> str:
    """`value` with NUL and lone surrogates written as escapes (for messages and logs)."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def json_depth_exceeds(raw: bytes, max_depth: int) -> bool:
    """True if the JSON text nests arrays and objects deeper than `max_depth`.

    Cheap on ordinary bodies: with no more brackets than `max_depth` nothing can be too deep.
    Otherwise the text is reduced, in C (bytes.translate, re.sub), to its brackets outside
    strings, and the innermost `[]`/`{}` pairs are stripped one level per pass: no
    recursion, and at most `max_depth` passes. Text that stops reducing is not JSON;
    json.loads says so.
    """
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    # Escaped backslashes pair up left to right, as JSON reads them; then escaped quotes.
    raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Quotes now alternate open/close; dropping an adjacent pair either drops an empty
    # string or joins two strings with nothing structural between them.
    skeleton = _STRING.sub(b"", raw.translate(None, _NOT_STRUCTURE).replace(b'""', b""))
    for _ in range(max_depth):
        if not skeleton:
            return False
        reduced = _INNERMOST.sub(b"", skeleton)
        if reduced == skeleton:
            return False  # malformed
        skeleton = reduced
    return bool(skeleton)


def _first_unstorable(document: Any) -> tuple[str, str] | None:
    """(path, problem) of the first key or string value that cannot be stored, or None."""
    pending: list[tuple[str, Any]] = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return path or "(the body)", problem
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{safe_text(key)}" if path else safe_text(key)
                problem = text_problem(key)
                if problem is not None:
                    return child, problem
                pending.append((child, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


def _not_json(name: str) -> Any:
    """Python's json reads NaN and Infinity, which are not JSON (RFC 8259 §6)."""
    raise ValueError(f"{name} is not JSON")


def json_document(raw: bytes, *, max_bytes: int, max_depth: int) -> Any:
    """A JSON request body (RFC 8259: UTF-8), within the limits, or InputRefused.

    Decoding strictly as UTF-8 refuses encoded surrogates in the bytes, and json.loads
    refuses raw control characters in strings, so NUL and surrogates can only come from
    `\\u0000` and `\\udXXX` escapes: the document is searched only when the text has one.
    """
    if len(raw) > max_bytes:
        raise InputRefused(f"The request body is larger than {max_bytes} bytes.",
                           kind="too_large")  # fmt: skip
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputRefused("The request body is not valid UTF-8.", kind="syntax") from None
    if json_depth_exceeds(raw, max_depth):
        raise InputRefused(f"The request body nests arrays and objects deeper than "
                           f"{max_depth} levels.", kind="too_deep")  # fmt: skip
    try:
        document = json.loads(text, parse_constant=_not_json)
    except RecursionError:  # only malformed text can get here (see json_depth_exceeds)
        raise InputRefused("The request body is nested too deeply.", kind="too_deep") from None
    except ValueError:
        raise InputRefused("The request body is not valid JSON.", kind="syntax") from None
    if _RISKY_ESCAPE.search(raw):  # the exact search, with the field's name, only then
        found = _first_unstorable(document)
        if found is not None:
            path, problem = found
            raise InputRefused(f"'{path}' contains {problem}, which is not allowed.",
                               kind="text", field=path)  # fmt: skip
    return document


# Paging numbers (startIndex, count) are clamped to this: PostgreSQL's OFFSET and LIMIT
# take a bigint, and no list is anywhere near this long.
MAX_PAGING_NUMBER = 2**31 - 1


def integer_value(value: Any, field: str) -> int:
    """An integer from a query string or a JSON number, clamped to ±MAX_PAGING_NUMBER,
    or InputRefused.

    JSON numbers with a fraction are truncated as before. Infinities, NaN, booleans and
    anything else are refused, so `int()` and PostgreSQL never fail on them.
    """
    refused = InputRefused(f"'{field}' must be an integer.", kind="number", field=field)
    if isinstance(value, bool):
        raise refused
    if isinstance(value, float):
        if not math.isfinite(value):
            raise refused
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            raise refused
        digits = text.lstrip("+-").lstrip("0") or "0"
        # int() of thousands of digits is slow (or refused), and 11 digits are past the clamp.
        value = int(digits if len(digits) <= 11 else "9" * 11) * (-1 if text[0] == "-" else 1)
    if not isinstance(value, int):
        raise refused
    return max(-MAX_PAGING_NUMBER, min(value, MAX_PAGING_NUMBER))
