"""Filters that cannot be run get 400 invalidFilter (RFC 7644 §3.4.2.2, §3.12)."""

import pytest

from scim.errors import ScimError
from scim.filters import filter_to_q

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def refusal(expression: str, resource: str = "User") -> dict:
    with pytest.raises(ScimError) as caught:
        filter_to_q(expression, resource)
    return caught.value.body()


NOT_PARSED = "The filter could not be parsed: "


def invalid_filter(detail: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": "invalidFilter",
        "detail": detail,
    }


@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ("", "The filter is empty."),
        ("   ", "The filter is empty."),
        ("userName eq", NOT_PARSED + "unexpected end of filter."),
        ('userName eq "x" and', NOT_PARSED + "unexpected end of filter."),
        ('(userName eq "x"', NOT_PARSED + "unexpected end of filter."),
        ('userName eq "x")', NOT_PARSED + "unexpected ')' at position 15."),
        ('userName regex "x"', NOT_PARSED + "unexpected 'regex' at position 9."),
        ("userName eq x", NOT_PARSED + "unexpected 'x' at position 12."),
        # Literals are whole words in any case (grammar.py): `Truth` is no literal, and
        # `True` is one, which a string attribute refuses.
        ("userName eq Truth", NOT_PARSED + "unexpected 'Truth' at position 12."),
        ("userName eq True", "'userName eq' needs a string value."),
        ('trueName eq "x"', "Unknown attribute 'trueName' for User resources."),
        (
            'emails.value[type eq "work"].display eq "x"',
            NOT_PARSED + "a sub-attribute both before and after '[...]'.",
        ),
        ('userName eq "a, b" "c"', NOT_PARSED + "unexpected '\"c\"' at position 19."),
        ('not userName eq "x"', NOT_PARSED + "unexpected 'userName' at position 4."),
        ('userName eq "x" # y', NOT_PARSED + "unexpected character '#' at position 16."),
        (
            'userName eq "unterminated',
            NOT_PARSED + "unterminated string '\"unterminated' at position 12.",
        ),
        (
            r'userName eq "bad \x escape"',
            NOT_PARSED + "invalid string '\"bad \\x escape\"' at position 12.",
        ),
        (r'userName eq "\ud800"', NOT_PARSED + "invalid string '\"\\ud800\"' at position 12."),
        (
            r'emails.value eq "a\u0000"',
            NOT_PARSED + "NUL characters are not allowed in strings '\"a\\u0000\"' at position 16.",
        ),
        (
            'userName eq "x" ' + "y" * 80,
            NOT_PARSED + "unexpected '" + "y" * 40 + "…' at position 16.",
        ),
        ('unknownAttr eq "x"', "Unknown attribute 'unknownAttr' for User resources."),
        ('password eq "secret"', "Unknown attribute 'password' for User resources."),
        ('name.nickName eq "x"', "Unknown attribute 'name.nickName' for User resources."),
        ('userName.sub eq "x"', "'userName' has no sub-attributes."),
        (
            'urn:example:unknown:2.0:User:userName eq "x"',
            "Unknown schema 'urn:example:unknown:2.0:User' for User resources.",
        ),
        (
            'urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"',
            "Unknown schema 'urn:ietf:params:scim:schemas:core:2.0:Group' for User resources.",
        ),
        (
            f'{ENTERPRISE}:userName eq "x"',
            "Unknown attribute 'userName' for User resources.",
        ),
        ("active gt true", "'gt' cannot be applied to the boolean 'active'."),
        ('active co "t"', "'co' cannot be applied to the boolean 'active'."),
        ('active eq "maybe"', "'active' is a boolean: compare it with true or false."),
        ("emails[primary le true]", "'le' cannot be applied to the boolean 'emails.primary'."),
        (
            'meta.created gt "yesterday"',
            "'meta.created' needs an ISO 8601 date-time, such as 2024-05-01T12:00:00Z.",
        ),
        (
            'meta.lastModified gt "2024-13-45T99:00:00Z"',
            "'meta.lastModified' needs an ISO 8601 date-time, such as 2024-05-01T12:00:00Z.",
        ),
        ('meta.created co "2020"', "'co' cannot be applied to the date-time 'meta.created'."),
        ("userName eq true", "'userName eq' needs a string value."),
        ("emails.value gt false", "'emails.value gt' needs a string value."),
        ("userName gt null", "'userName gt' cannot compare with null."),
        ('id gt "nope"', "'id gt' needs a UUID value."),
        (
            'emails[type eq "work"] eq "x"',
            "Name a sub-attribute after 'emails[...]' to compare it.",
        ),
        (
            'emails.value[type eq "work"]',
            "A value filter follows the attribute, not 'emails.value'.",
        ),
        (
            'emails[emails.type eq "work"]',
            "Inside 'emails[...]' name a sub-attribute of emails alone.",
        ),
        ('emails[nonsense eq "x"]', "Unknown attribute 'emails.nonsense'."),
        (
            'emails[type eq "work" and members[value eq "x"]]',
            "A value filter cannot be nested inside another one.",
        ),
        ('title[value eq "x"]', "'title' is not a complex attribute; it takes no [filter]."),
        (
            'name eq "x"',
            "'name' is complex; compare one of: name.formatted, name.familyName, "
            "name.givenName, name.middleName, name.honorificPrefix, name.honorificSuffix.",
        ),
        (
            'addresses eq "x"',
            "'addresses' is complex; compare one of: addresses.formatted, "
            "addresses.streetAddress, addresses.locality, addresses.region, "
            "addresses.postalCode, addresses.country, addresses.type, addresses.primary.",
        ),
        ("x" * 9000, "The filter is longer than 8192 characters."),
        ("(" * 100 + 'userName eq "x"' + ")" * 100, "The filter is nested too deeply."),
        # Substring matches on multi-valued lists: no index serves them (docs/performance.md).
        (
            'emails co "example.com"',
            "'emails.value co' is not supported: emails is multi-valued and no index serves "
            "a substring match on it. Use 'emails.value eq'.",
        ),
        (
            'emails.value ew ".org"',
            "'emails.value ew' is not supported: emails is multi-valued and no index serves "
            "a substring match on it. Use 'emails.value eq'.",
        ),
        (
            'emails[type eq "work" and value sw "b"]',
            "'emails.value sw' is not supported: emails is multi-valued and no index serves "
            "a substring match on it. Use 'emails.value eq'.",
        ),
        (
            'userName eq "a" or phoneNumbers[not (value co "555")]',
            "'phoneNumbers.value co' is not supported: phoneNumbers is multi-valued and no "
            "index serves a substring match on it. Use 'phoneNumbers.value eq'.",
        ),
        (
            'addresses.locality co "holly"',
            "'addresses.locality co' is not supported: addresses is multi-valued and no "
            "index serves a substring match on it. Use 'addresses.locality eq'.",
        ),
        # At most 100 comparisons; those inside brackets count too.
        (
            " or ".join(f'userName eq "u{n}"' for n in range(101)),
            "The filter makes 101 comparisons; at most 100 are allowed in one filter.",
        ),
        (
            " or ".join(f'emails[type eq "work" and value eq "u{n}"]' for n in range(51)),
            "The filter makes 102 comparisons; at most 100 are allowed in one filter.",
        ),
        (
            " or ".join(['emails[type eq "work"].value eq "x"'] * 51),
            "The filter makes 102 comparisons; at most 100 are allowed in one filter.",
        ),
        ("not (" * 70 + 'userName eq "x"' + ")" * 70, "The filter is nested too deeply."),
    ],
)
def test_user_filter_refused(expression, detail):
    assert refusal(expression) == invalid_filter(detail)


@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ('userName eq "x"', "Unknown attribute 'userName' for Group resources."),
        ('emails.value eq "x"', "Unknown attribute 'emails.value' for Group resources."),
        (
            'urn:ietf:params:scim:schemas:core:2.0:User:displayName eq "x"',
            "Unknown schema 'urn:ietf:params:scim:schemas:core:2.0:User' for Group resources.",
        ),
        ('members[nope eq "x"]', "Unknown attribute 'members.nope'."),
        ('displayName gt 5 and members.value gt "x"', "'members.value gt' needs a UUID value."),
    ],
)
def test_group_filter_refused(expression, detail):
    assert refusal(expression, "Group") == invalid_filter(detail)


def test_unknown_resource_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown SCIM resource type 'Widget'"):
        filter_to_q('displayName eq "x"', "Widget")  # type: ignore[arg-type]
