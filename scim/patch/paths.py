"""PATCH paths (RFC 7644 §3.5.2, Figure 7) and the value filters inside their brackets.

    PATH      = attrPath / valuePath [subAttr]
    valuePath = attrPath "[" valFilter "]"
    valFilter = attrExp / logExp / *1"not" "(" valFilter ")"

A small tokenizer and a recursive-descent parser, rather than scim2-filter-parser: that
lexer reads only one-digit numbers, lower-case `true`/`false`/`null` and strings without
escapes, and its path helper is tied to its SQL transpiler. PATCH filters are evaluated in
memory against the elements of one attribute (see `targets.py`), so only the syntax is here.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from scim.errors import invalid_path

COMPARISONS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z$][A-Za-z0-9_$-]*)
  | (?P<punct>[.\[\]()])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Compare:
    """`attr op value`, or `attr pr` (value None)."""

    attr: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Logical:
    op: str  # "and" | "or"
    left: "Filter"
    right: "Filter"


@dataclass(frozen=True)
class Not:
    expr: "Filter"


Filter = Compare | Logical | Not


@dataclass(frozen=True)
class ParsedPath:
    """A path split into its parts; names are as written (resolved later, case-insensitively).

    `urn` is the schema URN the path was qualified with (spelt as in `schema_urns`); a path
    that is only an extension URN has `attr` None.
    """

    urn: str | None
    attr: str | None
    value_filter: Filter | None = None
    sub_attr: str | None = None


@dataclass(frozen=True)
class _Token:
    kind: str  # "string" | "number" | "name" | "punct" | "end"
    text: str
    at: int


def path_parse(text: str, *, schema_urns: tuple[str, ...]) -> ParsedPath:
    """Parse a PATCH path; raise invalidPath on anything that is not one."""
    stripped = text.strip()
    lowered = stripped.lower()
    # Schema URNs contain ':' and '.', so they are matched against the known ones, longest
    # first, instead of being tokenized (RFC 7644 §3.10: "urn:…:User:userName").
    for urn in sorted(schema_urns, key=len, reverse=True):
        if lowered == urn.lower():
            return ParsedPath(urn=urn, attr=None)
        if lowered.startswith(urn.lower() + ":"):
            return _Parser(stripped[len(urn) + 1 :], text, urn).path()
    if lowered.startswith("urn:"):
        raise invalid_path(f"Unknown schema in path '{text}'.")
    return _Parser(stripped, text, None).path()


def _tokenize(source: str, original: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None:
            raise invalid_path(f"Unexpected character {source[at]!r} in path '{original}'.")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), at))
        at = match.end()
    tokens.append(_Token("end", "", at))
    return tokens


class _Parser:
    def __init__(self, source: str, original: str, urn: str | None) -> None:
        self.original = original
        self.urn = urn
        self.tokens = _tokenize(source, original)
        self.index = 0

    # -- helpers --------------------------------------------------------------------------

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _next(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _fail(self, what: str) -> Exception:
        token = self._peek()
        found = "the end" if token.kind == "end" else repr(token.text)
        return invalid_path(f"Expected {what} but found {found} in path '{self.original}'.")

    def _punct(self, char: str) -> bool:
        token = self._peek()
        if token.kind == "punct" and token.text == char:
            self.index += 1
            return True
        return False

    def _expect_punct(self, char: str) -> None:
        if not self._punct(char):
            raise self._fail(f"'{char}'")

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token.kind == "name" and token.text.lower() == word:
            self.index += 1
            return True
        return False

    def _name(self, what: str) -> str:
        token = self._peek()
        if token.kind != "name":
            raise self._fail(what)
        self.index += 1
        return token.text

    # -- grammar --------------------------------------------------------------------------

    def path(self) -> ParsedPath:
        attr = self._name("an attribute name")
        sub_attr = self._name("a sub-attribute name") if self._punct(".") else None
        value_filter = None
        if self._punct("["):
            if sub_attr is not None:
                raise invalid_path(
                    f"A value filter must follow a multi-valued attribute in '{self.original}'."
                )
            value_filter = self._or()
            self._expect_punct("]")
            if self._punct("."):
                sub_attr = self._name("a sub-attribute name")
        if self._peek().kind != "end":
            raise self._fail("the end of the path")
        return ParsedPath(self.urn, attr, value_filter, sub_attr)

    def _or(self) -> Filter:
        node = self._and()
        while self._keyword("or"):
            node = Logical("or", node, self._and())
        return node

    def _and(self) -> Filter:
        node = self._factor()
        while self._keyword("and"):
            node = Logical("and", node, self._factor())
        return node

    def _factor(self) -> Filter:
        if self._keyword("not"):
            self._expect_punct("(")
            node = self._or()
            self._expect_punct(")")
            return Not(node)
        if self._punct("("):
            node = self._or()
            self._expect_punct(")")
            return node
        return self._compare()

    def _compare(self) -> Compare:
        attr = self._name("a sub-attribute name in the filter")
        if self._punct("."):
            raise invalid_path(f"Nested attributes are not allowed in filter '{self.original}'.")
        operator = self._peek()
        op = operator.text.lower() if operator.kind == "name" else ""
        if op == "pr":
            self.index += 1
            return Compare(attr, "pr")
        if op not in COMPARISONS:
            raise self._fail("a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)")
        self.index += 1
        return Compare(attr, op, self._literal())

    def _literal(self) -> Any:
        """compValue = false / null / true / number / string (JSON, RFC 7159)."""
        token = self._next()
        if token.kind in ("string", "number"):
            try:
                return json.loads(token.text)
            except ValueError:
                raise invalid_path(f"Bad value {token.text} in filter '{self.original}'.") from None
        if token.kind == "name" and token.text.lower() in _LITERALS:
            return _LITERALS[token.text.lower()]
        self.index -= 1
        raise self._fail("a value (a quoted string, a number, true, false or null)")
