"""The PATCH path grammar (RFC 7644 Figure 7) and the value filters inside brackets."""

import pytest

from scim.errors import ScimError
from scim.patch.paths import Compare, Logical, Not, ParsedPath, path_parse

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
URNS = (CORE_USER, ENTERPRISE)


def parse(text: str) -> ParsedPath:
    return path_parse(text, schema_urns=URNS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("userName", ParsedPath(None, "userName")),
        ("name.givenName", ParsedPath(None, "name", None, "givenName")),
        (" members ", ParsedPath(None, "members")),
        (f"{CORE_USER}:userName", ParsedPath(CORE_USER, "userName")),
        (f"{ENTERPRISE}:department", ParsedPath(ENTERPRISE, "department")),
        (f"{ENTERPRISE}:manager.value", ParsedPath(ENTERPRISE, "manager", None, "value")),
        (ENTERPRISE, ParsedPath(ENTERPRISE, None)),
        (ENTERPRISE.upper(), ParsedPath(ENTERPRISE, None)),
        (
            'emails[type eq "work"].value',
            ParsedPath(None, "emails", Compare("type", "eq", "work"), "value"),
        ),
        (
            'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
            ParsedPath(
                None, "members", Compare("value", "eq", "2819c223-7f76-453a-919d-413861904646")
            ),
        ),
        ("emails[value pr]", ParsedPath(None, "emails", Compare("value", "pr"))),
        ("x[$ref eq null]", ParsedPath(None, "x", Compare("$ref", "eq", None))),
    ],
)
def test_paths(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("inside", "expected"),
    [
        ('type eq "say \\"hi\\""', Compare("type", "eq", 'say "hi"')),
        ('type eq "a]b"', Compare("type", "eq", "a]b")),
        ('type eq "caf\\u00e9"', Compare("type", "eq", "café")),
        ("n gt 12", Compare("n", "gt", 12)),
        ("n le -1.5e2", Compare("n", "le", -150.0)),
        ("primary EQ True", Compare("primary", "eq", True)),
        ("primary ne FALSE", Compare("primary", "ne", False)),
        ("display Eq NULL", Compare("display", "eq", None)),
        (
            'a eq "1" or b eq "2" and c eq "3"',
            Logical(
                "or",
                Compare("a", "eq", "1"),
                Logical("and", Compare("b", "eq", "2"), Compare("c", "eq", "3")),
            ),
        ),
        (
            '(a eq "1" or b eq "2") and c eq "3"',
            Logical(
                "and",
                Logical("or", Compare("a", "eq", "1"), Compare("b", "eq", "2")),
                Compare("c", "eq", "3"),
            ),
        ),
        (
            'not (a eq "1") AND b pr',
            Logical("and", Not(Compare("a", "eq", "1")), Compare("b", "pr")),
        ),
        (
            'a eq "1" or b eq "2" or c eq "3"',
            Logical(
                "or",
                Logical("or", Compare("a", "eq", "1"), Compare("b", "eq", "2")),
                Compare("c", "eq", "3"),
            ),
        ),
    ],
)
def test_value_filters(inside, expected):
    assert parse(f"emails[{inside}]") == ParsedPath(None, "emails", expected)


@pytest.mark.parametrize(
    "text",
    [
        "urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge",
        f"{ENTERPRISE}department",
        f"{ENTERPRISE}:",
        "emails[]",
        "emails[type eq 'work']",
        'emails[type eq "work"',
        "emails[type eq tru]",
    ],
)
def test_bad_paths(text):
    with pytest.raises(ScimError) as caught:
        parse(text)
    assert caught.value.scim_type == "invalidPath"


def test_error_names_what_was_expected():
    with pytest.raises(ScimError) as caught:
        parse('emails[type eq "work"')
    assert caught.value.detail == (
        "Expected ']' but found the end in path 'emails[type eq \"work\"'."
    )
