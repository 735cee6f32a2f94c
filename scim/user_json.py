"""The SCIM User document rendered by PostgreSQL, for pages of users.

`scim.users.user_document` is the reference rendering. A page of 100 users rendered in
Python builds 100 model instances, decodes their JSON columns and encodes them again.
Here each row comes back as the document's JSON text, which is spliced into the
ListResponse as it is. The same attributes in the same order, with unassigned (null)
attributes left out; `tests/scim/test_scim_user_json.py` checks the two renderings are
equal. Both walk the attribute registry (scim.schemas), so a new stored attribute needs no
change here.

It pays for itself (docs/performance.md, "SCIM registry and DRF A/B"): in
`bench/entra_load.py`'s pages phase on 3 Dec 2026, pages of 100 rendered in Python ran at
13 and 52 pages/s with 18.3 and 15.5 ms of gunicorn CPU per page, against 80, 179 and 187
pages/s with 3.4, 3.5 and 3.05 ms per page rendered here, in the same two sittings.

Documents are built as text with `concat_ws`, which skips NULLs, so an unassigned attribute
is never written; building them with `json_build_object` and removing the nulls after with
`json_strip_nulls` parsed every document a second time (a fifth of the page's cost).
"""

import json

from django.db.models import JSONField

from accounts.models import Group, Membership, User
from scim.schemas import ENTERPRISE_SCHEMA, ENTERPRISE_USER, USER, USER_SCHEMA
from scim.users import MANAGER, RenderPlan, render_plan

_U = f'"{User._meta.db_table}"'


def _column(field: str) -> str:
    return f'{_U}."{User._meta.get_field(field).column}"'


def _member(attr: str, sql: str, *, json_text: bool = False) -> str:
    """`"attr":value` as JSON text, NULL when the value is. `json_text`: already JSON."""
    return f"'{json.dumps(attr)}:' || {sql if json_text else f'to_json({sql})::text'}"


def _object(members: list[str]) -> str:
    """A JSON object of the non-null members, as text; NULL when there are none."""
    return f"NULLIF('{{' || concat_ws(',', {', '.join(members)}) || '}}', '{{}}')"


def _timestamp(field: str) -> str:
    """As `datetime.isoformat()` in UTC with a Z: microseconds only when there are some."""
    utc = f"({_column(field)} AT TIME ZONE 'UTC')"
    return f"""replace(to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '') || 'Z'"""


def _stored(plan: RenderPlan) -> list[str]:
    """The registry's stored attributes (scim.users.render_plan), as `stored_render` has them."""
    members = []
    for name, column, parts in plan:
        if parts:
            sql, json_text = _object([_member(sub, _column(c)) for sub, c in parts]), True
        elif isinstance(User._meta.get_field(str(column)), JSONField):  # a list: [] is unassigned
            sql, json_text = f"NULLIF({_column(str(column))}, '[]'::jsonb)", False
        else:
            sql, json_text = _column(str(column)), False
        members.append(_member(name, sql, json_text=json_text))
    return members


def _columns(plan: RenderPlan) -> list[str]:
    return [c for _, column, parts in plan for c in ([c for _, c in parts] or [str(column)])]


_MANAGER = f"""CASE WHEN {_column("manager_id")} IS NOT NULL THEN {
    _object(
        [
            _member("value", _column("manager_id")),
            _member("$ref", f"b.base || '/Users/' || {_column('manager_id')}"),
            _member(
                "displayName",
                f'''(SELECT mgr.display_name FROM {User._meta.db_table} mgr
                     WHERE mgr.id = {_column("manager_id")})''',
            ),
        ]
    )
} WHEN {_column("manager_unresolved")} IS NOT NULL THEN {
    _object([_member("value", _column("manager_unresolved"))])
} END"""
_ENTERPRISE_PLAN = render_plan(ENTERPRISE_USER.attributes)
_ENTERPRISE = _object([*_stored(_ENTERPRISE_PLAN), _member(MANAGER.name, _MANAGER, json_text=True)])
_ENTERPRISE_SET = " OR ".join(
    f"{_column(c)} IS NOT NULL"
    for c in [*_columns(_ENTERPRISE_PLAN), "manager_id", "manager_unresolved"]
)
_SCHEMAS = f"""CASE WHEN {_ENTERPRISE_SET}
               THEN '{json.dumps([USER_SCHEMA, ENTERPRISE_SCHEMA])}'
               ELSE '{json.dumps([USER_SCHEMA])}' END"""

_DOCUMENT = _object(
    [
        _member("schemas", _SCHEMAS, json_text=True),
        _member("id", f'{_U}."id"'),
        _member("externalId", _column("external_id")),
        *_stored(render_plan(USER.attributes)),
        _member("groups", "grp.groups", json_text=True),
        _member(ENTERPRISE_SCHEMA, _ENTERPRISE, json_text=True),
        _member(
            "meta",
            _object(
                [
                    _member("resourceType", "'User'::text"),
                    _member("created", _timestamp("created")),
                    _member("lastModified", _timestamp("last_modified")),
                    _member("location", f"b.base || '/Users/' || {_U}.\"id\""),
                    _member("version", f"'W/\"' || {_column('version')} || '\"'"),
                ]
            ),
            json_text=True,
        ),
    ]
)

_GROUP = _object(
    [
        _member("value", "g.id"),
        _member("$ref", "b.base || '/Groups/' || g.id"),
        _member("display", "g.display_name"),
        _member("type", "'direct'::text"),
    ]
)

# The page's groups in one pass over their memberships (a correlated subquery per user
# cost twice as much), ordered as in Python: by group name, then id.
_PAGE = f"""
WITH b AS (SELECT %s::text AS base),
page AS MATERIALIZED (
    SELECT p.id, p.n FROM unnest(ARRAY({{ids}})) WITH ORDINALITY AS p(id, n)
),
grp AS (
    SELECT m.user_id,
           '[' || string_agg({_GROUP}, ',' ORDER BY g.display_name, g.id) || ']' AS groups
    FROM {Membership._meta.db_table} m
    JOIN {Group._meta.db_table} g ON g.id = m.group_id
    CROSS JOIN b
    WHERE m.user_id IN (SELECT id FROM page)
    GROUP BY m.user_id
)
SELECT {_DOCUMENT}
FROM page
JOIN {_U} ON {_U}."id" = page.id
LEFT JOIN grp ON grp.user_id = page.id
CROSS JOIN b
ORDER BY page.n
"""


def page_sql(ids_sql: str) -> str:
    """The documents of the users whose ids `ids_sql` selects, in its order.

    Parameters: the API's base URL, then those of `ids_sql`. Stored multi-valued
    attributes never hold nulls (scim.values.complex_values drops them), so they are
    written as stored.
    """
    return _PAGE.replace("{ids}", ids_sql)
