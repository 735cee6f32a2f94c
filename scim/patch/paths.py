"""PATCH paths (RFC 7644 §3.5.2, Figure 7) and the value filters inside their brackets.

    PATH      = attrPath / valuePath [subAttr]
    valuePath = attrPath "[" valFilter "]"
    valFilter = attrExp / logExp / *1"not" "(" valFilter ")"

A path is lexed, and its bracket parsed, by the grammar `?filter=` uses
(`scim.filters.grammar`), so both read strings, numbers, literals and precedence alike.
PATCH filters are evaluated in memory against the elements of one attribute (see
`targets.py`), so the parsed filter is reduced here to the small tree below.
"""

from dataclasses import dataclass
from typing import Any

from scim2_filter_parser import ast
from sly.lex import Token

from scim.errors import ScimError, invalid_path
from scim.filters.grammar import (
    MAX_DEPTH,
    FilterSyntaxError,
    describe_syntax_error,
    lex,
    parse_tokens,
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


def path_parse(text: str, *, schema_urns: tuple[str, ...]) -> ParsedPath:
    """Parse a PATCH path; raise invalidPath on anything that is not one."""
    source = text.rstrip()
    start = len(source) - len(source.lstrip())
    lowered = source[start:].lower()
    # Schema URNs contain ':' and '.', so they are matched against the known ones, longest
    # first, instead of being lexed (RFC 7644 §3.10: "urn:…:User:userName").
    for urn in sorted(schema_urns, key=len, reverse=True):
        if lowered == urn.lower():
            return ParsedPath(urn=urn, attr=None)
        if lowered.startswith(urn.lower() + ":"):
            return _PathReader(text, source, start + len(urn) + 1, urn).path()
    if lowered.startswith("urn:"):
        raise invalid_path(f"Unknown schema in path '{text}'.")
    return _PathReader(text, source, start, None).path()


class _PathReader:
    """`attr[.sub]` or `attr[filter][.sub]`, read from the filter grammar's tokens."""

    def __init__(self, original: str, source: str, start: int, urn: str | None) -> None:
        self.original = original
        self.source = source
        self.urn = urn
        try:
            self.tokens: list[Token] = lex(source, start=start)
        except FilterSyntaxError as exc:
            raise self._syntax_error(exc) from None
        self.index = 0

    def path(self) -> ParsedPath:
        attr = self._take("ATTRNAME", "an attribute name")
        sub_attr = self._take("SUBATTR") if self._at("SUBATTR") else None
        value_filter = None
        if self._at("LBRACKET"):
            if sub_attr is not None:
                raise invalid_path(
                    f"A value filter must follow a multi-valued attribute in '{self.original}'."
                )
            value_filter = self._bracket()
            if self._at("SUBATTR"):
                sub_attr = self._take("SUBATTR")
        if self.index < len(self.tokens):
            raise self._fail("the end of the path")
        return ParsedPath(self.urn, attr, value_filter, sub_attr)

    def _bracket(self) -> Filter:
        """The filter between '[' (the current token) and its matching ']'."""
        depth = 0
        for close in range(self.index, len(self.tokens)):
            kind = self.tokens[close].type
            depth += (kind == "LBRACKET") - (kind == "RBRACKET")
            if depth == 0:
                break
        else:
            self.index = len(self.tokens)
            raise self._fail("']'")
        inside, closing = self.tokens[self.index + 1 : close], self.tokens[close]
        try:
            tree = parse_tokens(inside)
        except FilterSyntaxError as exc:
            if exc.index is None:  # the filter stopped short: name the ']' it reached
                exc = FilterSyntaxError("unexpected", closing.index, closing.end)
            raise self._syntax_error(exc) from None
        self.index = close + 1
        return _reduce(tree, self.original)

    def _at(self, kind: str) -> bool:
        return self.index < len(self.tokens) and self.tokens[self.index].type == kind

    def _take(self, kind: str, what: str = "") -> str:
        if not self._at(kind):
            raise self._fail(what)
        self.index += 1
        return str(self.tokens[self.index - 1].value)

    def _fail(self, what: str) -> ScimError:
        found = "the end"
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            found = repr(self.source[token.index : token.end])
        return invalid_path(f"Expected {what} but found {found} in path '{self.original}'.")

    def _syntax_error(self, exc: FilterSyntaxError) -> ScimError:
        where = describe_syntax_error(exc, self.source)
        return invalid_path(f"Path '{self.original}' could not be parsed: {where}.")


def _reduce(node: Any, original: str, depth: int = 0) -> Filter:
    """The grammar's AST as Compare/Logical/Not; invalidPath for what a value filter cannot hold."""
    if depth > MAX_DEPTH:
        raise invalid_path(f"The filter in path '{original}' is nested too deeply.")
    node = _ungrouped(node)
    if isinstance(node, ast.Filter):
        if node.namespace is not None:
            raise invalid_path(f"A value filter cannot be nested in another one in '{original}'.")
        return Not(_reduce(node.expr, original, depth + 1))
    if isinstance(node, ast.LogExpr):
        op = node.op.lower()
        operands = [_reduce(operand, original, depth + 1) for operand in _chain(node, op)]
        return _balanced(op, operands)
    if isinstance(node, ast.AttrExpr):
        path = node.attr_path
        if not isinstance(path.attr_name, str):
            raise invalid_path(f"A value filter cannot be nested in another one in '{original}'.")
        if path.sub_attr is not None or path.uri is not None:
            raise invalid_path(f"Nested attributes are not allowed in filter '{original}'.")
        value = node.comp_value.value if node.comp_value is not None else None
        return Compare(path.attr_name, node.value.lower(), value)
    raise invalid_path(f"The filter in path '{original}' could not be parsed.")


def _ungrouped(node: Any) -> Any:
    """`((x))` → `x`: parentheses only group, so they cost no depth."""
    while isinstance(node, ast.Filter) and not node.negated and node.namespace is None:
        node = node.expr
    return node


def _chain(node: ast.LogExpr, op: str) -> list[Any]:
    """The operands of `a or b or c …`, left to right, without recursion."""
    operands: list[Any] = []
    pending: list[Any] = [node]
    while pending:
        current = pending.pop()
        inner = _ungrouped(current)
        if isinstance(inner, ast.LogExpr) and inner.op.lower() == op:
            pending += [inner.expr2, inner.expr1]
        else:
            operands.append(current)
    return operands


def _balanced(op: str, operands: list[Filter]) -> Filter:
    """`a or b or c` as a tree of logarithmic depth, so `targets.py` can walk it recursively
    however many member ids a `members[value eq … or …]` lists. `and`/`or` are associative;
    the order of the operands is kept."""
    if len(operands) == 1:
        return operands[0]
    middle = (len(operands) + 1) // 2
    return Logical(op, _balanced(op, operands[:middle]), _balanced(op, operands[middle:]))
