"""The SCIM User document rendered by PostgreSQL, for pages of users.

`scim.users.user_document` is the reference rendering. A page of 100 users rendered in
Python builds 100 model instances, decodes their JSON columns and encodes them again:
about 8 ms per page. Here each row comes back as the document's JSON text, which is
spliced into the ListResponse as it is. The same attributes in the same order, with
unassigned (null) attributes left out; `tests/scim/test_scim_user_json.py` checks the two
renderings are equal.
"""

from accounts.models import Group, Membership, User
from scim.schemas import ENTERPRISE_SCHEMA, USER_SCHEMA
from scim.users import ENTERPRISE_FIELDS, MULTI_FIELDS, NAME_FIELDS, TEXT_FIELDS

_U = f'"{User._meta.db_table}"'


def _column(field: str) -> str:
    return f'{_U}."{User._meta.get_field(field).column}"'


def _timestamp(field: str) -> str:
    """As `datetime.isoformat()` in UTC with a Z: microseconds only when there are some."""
    utc = f"({_column(field)} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_part('microseconds', {utc})::int %% 1000000 = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || 'Z'"
    )


def _object(pairs: list[tuple[str, str]]) -> str:
    """A JSON object of the non-null pairs, or NULL when every value is null."""
    values = ", ".join(f"'{attr}', {sql}" for attr, sql in pairs)
    any_set = " OR ".join(f"{sql} IS NOT NULL" for _, sql in pairs)
    return f"CASE WHEN {any_set} THEN json_strip_nulls(json_build_object({values})) END"


_MANAGER = f"""CASE WHEN {_column("manager_id")} IS NOT NULL THEN json_build_object(
                 'value', {_column("manager_id")},
                 '$ref', b.base || '/Users/' || {_column("manager_id")},
                 'displayName', (SELECT mgr.display_name FROM {User._meta.db_table} mgr
                                 WHERE mgr.id = {_column("manager_id")})) END"""

_ENTERPRISE_PAIRS = [(attr, _column(f)) for attr, f in ENTERPRISE_FIELDS]
_ENTERPRISE_SET = " OR ".join(
    f"{_column(f)} IS NOT NULL" for f in [*(f for _, f in ENTERPRISE_FIELDS), "manager_id"]
)
_ENTERPRISE = f"""CASE WHEN {_ENTERPRISE_SET} THEN json_build_object(
    {", ".join(f"'{attr}', {sql}" for attr, sql in _ENTERPRISE_PAIRS)},
    'manager', {_MANAGER}) END"""

_MEMBERS = ",\n    ".join(
    [
        f"""'schemas', CASE WHEN {_ENTERPRISE_SET}
                        THEN '["{USER_SCHEMA}", "{ENTERPRISE_SCHEMA}"]'::json
                        ELSE '["{USER_SCHEMA}"]'::json END""",
        f"'id', {_U}.\"id\"",
        f"'externalId', {_column('external_id')}",
        f"'userName', {_column('user_name')}",
        f"'name', {_object([(attr, _column(f)) for attr, f in NAME_FIELDS])}",
        *(f"'{attr}', {_column(f)}" for attr, f in TEXT_FIELDS),
        f"'active', {_column('active')}",
        *(
            f"'{attr}', CASE WHEN {_column(f)} <> '[]'::jsonb THEN {_column(f)} END"
            for attr, f in MULTI_FIELDS
        ),
        "'groups', grp.groups",
        f"'{ENTERPRISE_SCHEMA}', {_ENTERPRISE}",
        f"""'meta', json_build_object(
            'resourceType', 'User',
            'created', {_timestamp("created")},
            'lastModified', {_timestamp("last_modified")},
            'location', b.base || '/Users/' || {_U}."id",
            'version', 'W/"' || {_column("version")} || '"')""",
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
    SELECT m.user_id, json_agg(json_build_object(
               'value', g.id, '$ref', b.base || '/Groups/' || g.id,
               'display', g.display_name, 'type', 'direct')
             ORDER BY g.display_name, g.id) AS groups
    FROM {Membership._meta.db_table} m
    JOIN {Group._meta.db_table} g ON g.id = m.group_id
    CROSS JOIN b
    WHERE m.user_id IN (SELECT id FROM page)
    GROUP BY m.user_id
)
SELECT json_strip_nulls(json_build_object(
    {_MEMBERS}))::text
FROM page
JOIN {_U} ON {_U}."id" = page.id
LEFT JOIN grp ON grp.user_id = page.id
CROSS JOIN b
ORDER BY page.n
"""


def page_sql(ids_sql: str) -> str:
    """The documents of the users whose ids `ids_sql` selects, in its order.

    Parameters: the API's base URL, then those of `ids_sql`. Stored multi-valued
    attributes never hold nulls (scim.values.complex_values drops them), so stripping
    nulls recursively only removes unassigned attributes.
    """
    return _PAGE.replace("{ids}", ids_sql)
