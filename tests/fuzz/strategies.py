"""Hypothesis strategies for requests to a live server: SCIM (as Entra and as a hostile
client would send them) and the console's query parameters and forms.

A request is a `Call`; its ids are placeholders (`{user}`, `{group}`, `{admin}`) that the
test fills in with real ids of its organisation, so that updates reach real rows.
"""

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@dataclass
class Call:
    method: str
    path: str  # with its query string, percent-encoded
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    host: str = "org"  # "org" or "public"
    form: dict[str, str] | None = None  # a console form (the test adds the CSRF token)


# --- values ------------------------------------------------------------------------------

# What broke the server before, and what often breaks parsers.
NASTY = [
    "\x00", "a\x00b", "\ud800", "x\udfff", "\ufeff", "\u202e", "\u200b", "'", '"', "\\",
    "%", "%00", "\n", "\r\n", "\t", "😀", "ß", "İ", "a" * 300, "", " ", "null", "true",
    "1e999", "-1", "NaN", "0x10", "../", "<script>", "{user}", "not-a-uuid",
    "00000000-0000-0000-0000-000000000000", "userName", "work",
]  # fmt: skip
nasty_text = st.sampled_from(NASTY)
text = st.one_of(
    nasty_text,
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="ascii"), max_size=30),
    st.builds(lambda a, b: a + b, st.text(max_size=10), nasty_text),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 2**31, 2**63, 10**30, 1e300, 0.5]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


def deep(depth: int) -> bytes:
    return (b'{"a":' * depth) + b"1" + (b"}" * depth) if depth % 2 else b"[" * depth + b"]" * depth


raw_bodies = st.one_of(
    st.integers(min_value=1, max_value=3000).map(deep),
    st.binary(max_size=200),
    st.sampled_from([
        b"", b"{", b"[", b"null", b"1e999", b'"\\ud800"', b'{"userName": "\\u0000"}',
        b'{"startIndex": 1e999}', b'{"count": -1e999}', b'{"count": NaN}',
        b'{"startIndex": 99999999999999999999999999}', b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00",
        b'{"Operations": "x"}', b'{"a": "\xed\xa0\x80"}',
    ]),
)  # fmt: skip


def encode(document: Any) -> bytes:
    """JSON as a client would send it; lone surrogates become `\\udXXX` escapes."""
    return json.dumps(document).encode()


# --- SCIM documents ------------------------------------------------------------------------

emails = (
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "value": st.one_of(st.emails(), text),
                "type": st.sampled_from(["work", "home", "other"]) | text,
                "primary": st.booleans() | text,
            },
        ),
        max_size=3,
    )
    | json_values
)
user_fields = {
    "schemas": st.just([USER_SCHEMA, ENTERPRISE]) | json_values,
    "userName": st.one_of(st.emails(), text, json_values),
    "externalId": text | json_values,
    "active": st.sampled_from([True, False, "True", "False", "yes"]) | json_values,
    "displayName": text,
    "title": text,
    "name": st.fixed_dictionaries(
        {}, optional={"givenName": text, "familyName": text, "formatted": text}
    )
    | json_values,
    "emails": emails,
    "phoneNumbers": st.lists(st.fixed_dictionaries({"value": text, "type": text}), max_size=2)
    | json_values,
    "addresses": st.lists(
        st.fixed_dictionaries({}, optional={"streetAddress": text, "country": text}), max_size=2
    ),
    "preferredLanguage": text,
    "locale": text,
    "timezone": text,
    ENTERPRISE: st.fixed_dictionaries(
        {},
        optional={
            "department": text,
            "employeeNumber": text,
            "manager": st.fixed_dictionaries({"value": st.sampled_from(["{user}"]) | text}) | text,
        },
    )
    | json_values,
    f"{ENTERPRISE}:department": text,
}
user_documents = st.fixed_dictionaries({}, optional=user_fields)
member_lists = st.lists(
    st.fixed_dictionaries({"value": st.sampled_from(["{user}", "{admin}"]) | text}), max_size=3
)
group_documents = st.fixed_dictionaries(
    {},
    optional={
        "schemas": st.just([GROUP_SCHEMA]) | json_values,
        "displayName": text | json_values,
        "externalId": text,
        "members": member_lists | json_values,
    },
)

# --- filters -------------------------------------------------------------------------------

FILTER_ATTRIBUTES = [
    "userName", "id", "externalId", "emails", "emails.value", 'emails[type eq "work"].value',
    "name.givenName", "active", "meta.created", "meta.lastModified", "manager.value",
    f"{ENTERPRISE}:manager.value", f"{ENTERPRISE}:department", "groups.value", "groups",
    "members.value", "members", "displayName", "title", "x", "schemas", "phoneNumbers.type",
]  # fmt: skip
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "zz"]
filter_values = st.one_of(
    text.map(json.dumps),
    st.sampled_from(['"{user}"', '"{group}"', '"not-a-uuid"', "true", "null", "1e999", "12"]),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n),  # past int()'s limit
    numbers.map(lambda n: json.dumps(n)),
    text,
)
comparisons = st.one_of(
    st.builds(
        lambda a, o, v: f"{a} {o} {v}",
        st.sampled_from(FILTER_ATTRIBUTES),
        st.sampled_from(OPERATORS),
        filter_values,
    ),
    st.sampled_from(FILTER_ATTRIBUTES).map(lambda a: f"{a} pr"),
)
filters = (
    st.recursive(
        comparisons,
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"{a} and {b}", inner, inner),
            st.builds(lambda a, b: f"{a} or {b}", inner, inner),
            inner.map(lambda a: f"not ({a})"),
            inner.map(lambda a: f"({a})"),
            st.builds(lambda a, b: f"emails[{a}] or {b}", inner, inner),
        ),
        max_leaves=6,
    )
    | text
    | st.integers(min_value=1, max_value=400).map(lambda n: "(" * n + "id pr" + ")" * n)
)

# --- query strings -------------------------------------------------------------------------

PARAMETER_NAMES = [
    "filter", "startIndex", "count", "attributes", "excludedAttributes", "sortBy",
    "sortOrder", "aadOptscim062020", "q", "page", "errors", "next", "slug", "x",
]  # fmt: skip
parameter_values = st.one_of(
    text,
    numbers.map(str),
    st.sampled_from(["1", "0", "-5", "1e999", "emails,name.givenName", "members", "userName"]),
)


def query_string(pairs: list[tuple[str, str]]) -> str:
    """Percent-encoded as UTF-8 (lone surrogates as the bytes Python's
    surrogatepass would give: servers see undecodable bytes)."""
    parts = [
        f"{quote(name.encode('utf-8', 'surrogatepass'), safe='')}="
        f"{quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
        for name, value in pairs
    ]
    return ("?" + "&".join(parts)) if parts else ""


def query_pairs(names: list[str], values: Any = parameter_values) -> Any:
    name = st.sampled_from(names) | text
    return st.lists(st.tuples(name, values), max_size=4)


scim_queries = st.lists(
    st.one_of(
        st.tuples(st.just("filter"), filters),
        st.tuples(st.sampled_from(PARAMETER_NAMES) | text, parameter_values),
    ),
    max_size=4,
).map(query_string)

# --- SCIM requests -------------------------------------------------------------------------

ascii_header = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
odd_headers = st.fixed_dictionaries(
    {},
    optional={
        "Accept": st.sampled_from(
            [
                "application/scim+json",
                "application/json",
                "*/*",
                "text/html",
            ]
        ),
        "Content-Type": st.sampled_from(
            [
                "application/scim+json",
                "application/json",
                "text/plain",
                "application/json; charset=utf-16",
                "application/x-www-form-urlencoded",
            ]
        ),
        "If-Match": st.sampled_from(["*", 'W/"1"', '"x"']) | ascii_header,
        "If-None-Match": ascii_header,
    },
)
# Mostly Entra's own headers; a bad token now and then (it only ever meets the 401).
scim_headers = st.one_of(
    st.just({}),
    st.just({"Accept": "application/scim+json"}),
    odd_headers,
    st.fixed_dictionaries(
        {"Authorization": st.sampled_from(["Bearer", "Bearer x", "Basic a", ""]) | ascii_header}
    ),
)  # fmt: skip


def patch_operation(default_dialect: bool) -> Any:
    ops = ["Replace", "Add", "Remove"] if default_dialect else ["replace", "add", "remove"]
    paths = [
        "active", "userName", "displayName", "title", "name.givenName", "emails",
        'emails[type eq "work"].value', f"{ENTERPRISE}:manager", f"{ENTERPRISE}:department",
        "members", 'members[value eq "{user}"]', "externalId", "x", 'emails[value co "',
    ]  # fmt: skip
    value = st.one_of(
        json_values,
        st.sampled_from(["False", "True", "{user}", False]),
        member_lists,
        st.dictionaries(st.sampled_from(paths), json_values, max_size=3),
    )
    return st.fixed_dictionaries(
        {"op": st.sampled_from(ops) | text},
        optional={"path": st.sampled_from(paths) | text, "value": value},
    )


patch_bodies = st.one_of(
    st.builds(
        lambda ops: {"schemas": [PATCH_OP], "Operations": ops},
        st.lists(patch_operation(True), min_size=1, max_size=3),
    ),
    st.builds(
        lambda ops: {"schemas": [PATCH_OP], "Operations": ops},
        st.lists(patch_operation(False), min_size=1, max_size=3),
    ),
    json_values,
).map(encode)
search_bodies = st.fixed_dictionaries(
    {},
    optional={
        "schemas": st.just([SEARCH]),
        "filter": filters | json_values,
        "startIndex": numbers | json_values,
        "count": numbers | json_values,
        "attributes": st.lists(st.sampled_from(FILTER_ATTRIBUTES) | text, max_size=3) | text,
        "excludedAttributes": st.lists(text, max_size=2) | text,
        "sortBy": st.sampled_from(FILTER_ATTRIBUTES) | text | json_values,
        "sortOrder": st.sampled_from(["ascending", "descending"]) | text,
    },
).map(encode)

# The admin is read, never written: deactivating them would end the console's session.
RESOURCE_PATHS = ["/Users/{user}", "/Groups/{group}"]
ids = st.sampled_from(RESOURCE_PATHS) | st.builds(
    lambda kind, value: f"/{kind}/{quote(value.encode('utf-8', 'surrogatepass'), safe='')}",
    st.sampled_from(["Users", "Groups"]),
    text,
)


def _scim(method: str, path: Any, query: Any, body: Any) -> Any:
    return st.builds(
        lambda p, q, b, h: Call(method, "/scim/v2" + p + q, b, h),
        path,
        query,
        body,
        scim_headers,
    )


scim_calls = st.one_of(
    _scim("GET", st.sampled_from(["/Users", "/Groups"]), scim_queries, st.none()),
    _scim("GET", ids | st.just("/Users/{admin}"), scim_queries, st.none()),
    _scim("POST", st.just("/Users"), scim_queries, user_documents.map(encode) | raw_bodies),
    _scim("POST", st.just("/Groups"), scim_queries, group_documents.map(encode) | raw_bodies),
    _scim(
        "POST",
        st.sampled_from(["/.search", "/Users/.search", "/Groups/.search"]),
        scim_queries,
        search_bodies | raw_bodies,
    ),
    _scim(
        "PATCH",
        st.sampled_from(RESOURCE_PATHS) | ids,
        st.sampled_from(["", "?aadOptscim062020"]) | scim_queries,
        patch_bodies | raw_bodies,
    ),
    _scim("PUT", ids, scim_queries, user_documents.map(encode) | group_documents.map(encode)),
    _scim("DELETE", ids.filter(lambda p: "{" not in p), st.just(""), st.none()),
    _scim(
        "GET",
        st.sampled_from(["", "/", "/ServiceProviderConfig", "/Schemas/x", "/ResourceTypes/%00"])
        | text.map(lambda t: "/" + quote(t.encode("utf-8", "surrogatepass"), safe="/")),
        scim_queries,
        st.none(),
    ),
)

# --- console requests (signed in as an admin) ------------------------------------------------

CONSOLE_PAGES = [
    "/", "/people", "/groups", "/groups/{group}", "/people/{user}", "/people/{admin}",
    "/people/new", "/people/{user}/edit", "/profile", "/account/authentication",
    "/account/provisioning", "/login", "/sso/microsoft/start", "/sso/microsoft/complete",
]  # fmt: skip
PUBLIC_PAGES = ["/", "/find", "/signup", "/signup/slug-available", "/sso/microsoft/callback"]
CONSOLE_PARAMETERS = [
    "q", "page", "errors", "next", "ticket", "slug", "state", "code", "error",
    "error_description", "request", "admin_consent",
]  # fmt: skip
console_values = st.one_of(
    text, st.sampled_from(["1", "0", "-1", "99999999999999999999", "last", "{user}", "//evil"])
)
console_queries = query_pairs(CONSOLE_PARAMETERS, console_values).map(query_string)

FORMS: dict[str, list[str]] = {
    "/people/new": ["email", "name_given", "name_family", "role", "password"],
    "/people/{user}/edit": ["name_given", "name_family", "display_name", "title", "department"],
    "/people/{user}/role": ["role"],
    "/people/{user}/activation": ["active"],
    "/account/provisioning/tokens": ["name", "expires_on"],
}
form_values = st.one_of(
    text,
    st.emails(),
    st.sampled_from(["admin", "member", "1", "0", "2031-01-01", "1999-01-01", "x" * 300]),
)


def _form(path: str) -> Any:
    names = FORMS[path]
    return st.builds(
        lambda data: Call("POST", path, form=data),
        st.dictionaries(st.sampled_from(names) | text, form_values, max_size=len(names) + 1),
    )


console_calls = st.one_of(
    st.builds(lambda p, q: Call("GET", p + q), st.sampled_from(CONSOLE_PAGES), console_queries),
    st.builds(
        lambda p, q: Call("GET", p + q, host="public"),
        st.sampled_from(PUBLIC_PAGES),
        console_queries,
    ),
    st.builds(
        lambda data: Call("POST", "/find", host="public", form=data),
        st.dictionaries(st.just("slug") | text, form_values, max_size=2),
    ),
    *[_form(path) for path in FORMS],
)
