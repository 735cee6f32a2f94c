"""The PATCH path grammar (RFC 7644 Figure 7) and the value filters inside brackets."""

import pytest

from scim.errors import ScimError
from scim.patch import MemberChanges, patch_apply
from scim.patch.paths import Compare, Logical, Not, ParsedPath, path_parse
from tests.scim.test_patch import NO_MEMBER_CHANGES, body, group_document, user_document

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


# -- one grammar with ?filter= (scim.filters.grammar) ----------------------------------------


@pytest.mark.parametrize(
    ("inside", "expected"),
    [
        # compValue strings are JSON strings (RFC 7644 §3.4.2.2), escaped quotes included.
        ('value eq "a\\"b@x.com"', Compare("value", "eq", 'a"b@x.com')),
        ('value eq "back\\\\slash"', Compare("value", "eq", "back\\slash")),
        # Numbers are JSON numbers of any length, not one digit.
        ("n eq 0", Compare("n", "eq", 0)),
        ("n gt 12345", Compare("n", "gt", 12345)),
        ("n lt -42", Compare("n", "lt", -42)),
        ("n ge 3.25", Compare("n", "ge", 3.25)),
        ("n le 1E3", Compare("n", "le", 1000.0)),
        # Literals in any case (see scim/filters/grammar.py for why, with RFC 7159 §3).
        ("primary eq TRUE", Compare("primary", "eq", True)),
        ("primary eq False", Compare("primary", "eq", False)),
        ("primary eq tRuE", Compare("primary", "eq", True)),
        ("display eq Null", Compare("display", "eq", None)),
        # ...and only as whole words: these are attribute names.
        ("trueName eq 1", Compare("trueName", "eq", 1)),
        ("nullable pr", Compare("nullable", "pr")),
        # "and" binds tighter than "or" (RFC 7644 §3.4.2.2), in any case.
        (
            'a eq "1" and b eq "2" or c eq "3" and d eq "4"',
            Logical(
                "or",
                Logical("and", Compare("a", "eq", "1"), Compare("b", "eq", "2")),
                Logical("and", Compare("c", "eq", "3"), Compare("d", "eq", "4")),
            ),
        ),
        (
            'a eq "1" OR b eq "2" AND c eq "3" Or d eq "4"',
            Logical(
                "or",
                Logical(
                    "or",
                    Compare("a", "eq", "1"),
                    Logical("and", Compare("b", "eq", "2"), Compare("c", "eq", "3")),
                ),
                Compare("d", "eq", "4"),
            ),
        ),
        (
            'a eq "1" and (b eq "2" or c eq "3")',
            Logical(
                "and",
                Compare("a", "eq", "1"),
                Logical("or", Compare("b", "eq", "2"), Compare("c", "eq", "3")),
            ),
        ),
        # not (...): binds to its parentheses, and nests.
        ('not (type eq "work")', Not(Compare("type", "eq", "work"))),
        ('NOT (not (type eq "work"))', Not(Not(Compare("type", "eq", "work")))),
        (
            'not (type eq "work" or type eq "home") and value pr',
            Logical(
                "and",
                Not(Logical("or", Compare("type", "eq", "work"), Compare("type", "eq", "home"))),
                Compare("value", "pr"),
            ),
        ),
        (
            'type eq "work" or not (value ew "@x.com")',
            Logical("or", Compare("type", "eq", "work"), Not(Compare("value", "ew", "@x.com"))),
        ),
        # Parentheses only group, however many there are.
        ("(" * 2000 + 'type eq "work"' + ")" * 2000, Compare("type", "eq", "work")),
        # Four alternatives: the same operands in the same order, in a shallower tree.
        (
            "a pr or b pr or c pr or d pr",
            Logical(
                "or",
                Logical("or", Compare("a", "pr"), Compare("b", "pr")),
                Logical("or", Compare("c", "pr"), Compare("d", "pr")),
            ),
        ),
    ],
)
def test_value_filters_read_like_query_filters(inside, expected):
    assert parse(f"emails[{inside}]") == ParsedPath(None, "emails", expected)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            "emails[type eq]",
            "Path 'emails[type eq]' could not be parsed: unexpected ']' at position 14.",
        ),
        ("emails[]", "Path 'emails[]' could not be parsed: unexpected ']' at position 7."),
        (
            "emails[primary eq Truth]",
            "Path 'emails[primary eq Truth]' could not be parsed: "
            "unexpected 'Truth' at position 18.",
        ),
        (
            "emails[n eq 012]",
            "Path 'emails[n eq 012]' could not be parsed: unexpected '12' at position 13.",
        ),
        (
            'emails[type eq "work" type eq "home"]',
            'Path \'emails[type eq "work" type eq "home"]\' could not be parsed: '
            "unexpected 'type' at position 22.",
        ),
        (
            'emails[not type eq "work"]',
            "Path 'emails[not type eq \"work\"]' could not be parsed: "
            "unexpected 'type' at position 11.",
        ),
        (
            'emails[type eq "a\\u0000"]',
            "Path 'emails[type eq \"a\\u0000\"]' could not be parsed: "
            "NUL characters are not allowed in strings '\"a\\u0000\"' at position 15.",
        ),
        (
            f'{ENTERPRISE}:manager[value eq "x" ; ]',
            f"Path '{ENTERPRISE}:manager[value eq \"x\" ; ]' could not be parsed: "
            f"unexpected character ';' at position {len(ENTERPRISE) + 22}.",
        ),
        (
            'emails[type[value eq "x"]]',
            "A value filter cannot be nested in another one in 'emails[type[value eq \"x\"]]'.",
        ),
        (
            f'emails[{CORE_USER}:type eq "work"]',
            f"Nested attributes are not allowed in filter 'emails[{CORE_USER}:type eq \"work\"]'.",
        ),
        (
            "emails[" + "not (" * 65 + "value pr" + ")" * 65 + "]",
            "The filter in path 'emails["
            + "not (" * 65
            + "value pr"
            + ")" * 65
            + "]' is nested too deeply.",
        ),
    ],
)
def test_bad_value_filters_are_invalid_path(text, detail):
    with pytest.raises(ScimError) as caught:
        parse(text)
    assert (caught.value.scim_type, caught.value.detail) == ("invalidPath", detail)


def test_nesting_up_to_the_limit_is_read():
    text = "emails[" + "not (" * 64 + "value pr" + ")" * 64 + "]"
    expected: Compare | Not = Compare("value", "pr")
    for _ in range(64):
        expected = Not(expected)
    assert parse(text) == ParsedPath(None, "emails", expected)


# -- the same filters applied (RFC 7644 §3.5.2) ---------------------------------------------

WORK = {"value": "bjensen@acme.test", "type": "work", "primary": True}
HOME = {"value": "babs@jensen.example", "type": "home"}
QUOTED = {"value": 'a"b@x.com', "type": "other"}


def user_with_emails(*emails: dict) -> dict:
    document = user_document()
    document["emails"] = [dict(email) for email in emails]
    return document


def applied(document: dict, *operations: dict) -> dict:
    result = patch_apply(document, body(*operations), resource="User")
    assert result.members == NO_MEMBER_CHANGES
    return result.document


def test_a_filter_value_with_an_escaped_quote_selects_that_email():
    document = user_with_emails(WORK, QUOTED)
    operation = {"op": "replace", "path": 'emails[value eq "a\\"b@x.com"].type', "value": "home"}
    assert applied(document, operation) == user_with_emails(WORK, {**QUOTED, "type": "home"})


def test_capitalised_boolean_literals_select_by_primary():
    document = user_with_emails(WORK, HOME)
    operation = {"op": "replace", "path": "emails[primary eq TRUE].value", "value": "b@acme.test"}
    assert applied(document, operation) == user_with_emails({**WORK, "value": "b@acme.test"}, HOME)
    removal = {"op": "remove", "path": "emails[not (primary eq True)]"}
    assert applied(user_with_emails(WORK, HOME), removal) == user_with_emails(WORK)


def test_and_binds_tighter_than_or_when_applied():
    # home or (work and not primary): only home. Read left to right, ((home or work) and
    # primary eq false) would match nothing, since home has no primary.
    path = 'emails[type eq "home" or type eq "work" and primary eq false]'
    document = user_with_emails(WORK, HOME, QUOTED)
    assert applied(document, {"op": "remove", "path": path}) == user_with_emails(WORK, QUOTED)


def test_not_selects_the_other_emails():
    document = user_with_emails(WORK, HOME, QUOTED)
    path = 'emails[not (type eq "work" or type eq "home")]'
    assert applied(document, {"op": "remove", "path": path}) == user_with_emails(WORK, HOME)
    path = 'emails[not (type eq "work")].type'
    assert applied(
        user_with_emails(WORK, HOME, QUOTED), {"op": "replace", "path": path, "value": "other"}
    ) == user_with_emails(WORK, {**HOME, "type": "other"}, QUOTED)


def test_a_long_list_of_member_ids_is_read_without_deep_recursion():
    ids = [f"0a1b2c3d-0000-4000-8000-{n:012d}" for n in range(3000)]
    path = "members[" + " or ".join(f'value eq "{member}"' for member in ids) + "]"
    result = patch_apply(group_document(), body({"op": "remove", "path": path}), resource="Group")
    assert result.document == group_document()
    assert result.members == MemberChanges(add=[], remove=ids, replace=None, remove_all=False)
