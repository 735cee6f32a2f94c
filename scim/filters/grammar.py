"""Parsing SCIM filters with scim2-filter-parser's grammar, with three fixes the library lacks.

- String literals are JSON strings (RFC 7644 §3.4.2.2, compValue): the library's lexer stops
  at the first `"`, so `userName eq "a\\"b"` failed. We lex and decode them as JSON.
- Numbers are JSON numbers (the library reads a single digit), and `true`/`false`/`null`
  become Python values, so the translator can tell `true` from `"true"`.
- Precedence: RFC 7644 §3.4.2.2 says "and" binds tighter than "or". The library declares
  both at one level, so `a or b and c` parsed as `(a or b) and c`.
"""

import json
from typing import Any

from scim2_filter_parser import ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError

from scim.errors import invalid_filter

# Entra's filters are a few dozen characters; the limits keep hostile input cheap to refuse.
MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 100


class FilterLexer(SCIMLexer):
    tokens = SCIMLexer.tokens

    @_(r"false")  # noqa: F821
    def FALSE(self, t: Any) -> Any:
        t.value = False
        return t

    @_(r"true")  # noqa: F821
    def TRUE(self, t: Any) -> Any:
        t.value = True
        return t

    @_(r"null")  # noqa: F821
    def NULL(self, t: Any) -> Any:
        t.value = None
        return t

    @_(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # noqa: F821
    def NUMBER(self, t: Any) -> Any:
        t.value = json.loads(t.value)
        return t

    @_(r'"(?:[^"\\]|\\.)*"')  # noqa: F821
    def COMP_VALUE(self, t: Any) -> Any:
        try:
            t.value = json.loads(t.value, strict=False)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Invalid string literal {t.value}: {exc.msg}") from exc
        return t


class FilterParser(SCIMParser):
    """The library's grammar rules, rebuilt with RFC precedence (sly builds tables per class)."""

    tokens = SCIMParser.tokens
    precedence = (
        ("left", "OR"),
        ("left", "AND"),
        ("right", "NOT"),
    )
    # The first rule is the start symbol, so `filter` comes first.
    filter = SCIMParser.filter
    value_path = SCIMParser.value_path
    attr_exp = SCIMParser.attr_exp
    log_exp = SCIMParser.log_exp
    comp_value = SCIMParser.comp_value
    attr_path = SCIMParser.attr_path
    sub_attr = SCIMParser.sub_attr


def parse_filter(expression: str) -> ast.Filter:
    """The AST of a filter, or ScimError invalidFilter."""
    if not expression or not expression.strip():
        raise invalid_filter("The filter is empty.")
    if len(expression) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    try:
        tree = FilterParser().parse(FilterLexer().tokenize(expression))
    except (ValueError, SCIMParserError) as exc:
        raise invalid_filter(f"The filter could not be parsed: {_describe(exc)}") from exc
    if not isinstance(tree, ast.Filter):
        raise invalid_filter("The filter could not be parsed.")
    return tree


def tokenize(text: str) -> list[tuple[str, Any]]:
    """(type, value) tokens of `text`; raises ValueError on characters the lexer refuses."""
    return [(token.type, token.value) for token in FilterLexer().tokenize(text)]


def _describe(exc: Exception) -> str:
    message = str(exc)
    if message == "Parsing error at: None":
        return "unexpected end of filter."
    if message.startswith("Parsing error at: Token("):
        # e.g. "Parsing error at: Token(type='RBRACKET', value=']', lineno=1, index=7, end=8)"
        parts = dict(
            part.split("=", 1) for part in message[len("Parsing error at: Token(") : -1].split(", ")
        )
        return f"unexpected {parts.get('value', '?')} at position {parts.get('index', '?')}."
    return message
