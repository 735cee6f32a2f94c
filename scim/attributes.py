"""`attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which parts of a
document a response carries.

Paths are case-insensitive and may carry a schema URN: `userName`, `name.givenName`,
`urn:ietf:params:scim:schemas:core:2.0:User:emails.value`,
`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`. `id` and `schemas`
are always returned. Knowing what is wanted before querying lets the selectors skip work:
`excludedAttributes=members` never reads the membership table.
"""

from typing import Any, Literal

from scim.schemas import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

ALWAYS = frozenset({"id", "schemas"})
_CORE_PREFIXES = (USER_SCHEMA.lower() + ":", GROUP_SCHEMA.lower() + ":")
_ENTERPRISE = ENTERPRISE_SCHEMA.lower()

# A tree of requested paths: lower-case name → True (the whole value) or a subtree.
Tree = dict[str, Any]


def _segments(path: str) -> list[str]:
    path = path.strip().lower()
    for prefix in _CORE_PREFIXES:
        if path.startswith(prefix):
            path = path[len(prefix) :]
    if path == _ENTERPRISE:
        return [_ENTERPRISE]
    if path.startswith(_ENTERPRISE + ":"):
        return [_ENTERPRISE, *path[len(_ENTERPRISE) + 1 :].split(".")]
    return [s for s in path.split(".") if s]


def _tree(paths: list[str]) -> Tree:
    tree: Tree = {}
    for path in paths:
        node = tree
        segments = _segments(path)
        for i, segment in enumerate(segments):
            if node.get(segment) is True:
                break
            if i == len(segments) - 1:
                node[segment] = True
            else:
                node = node.setdefault(segment, {})
    return tree


def split_list(value: Any) -> list[str]:
    """A comma-separated string (query string) or a list of strings (SearchRequest)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _keep(value: Any, tree: Tree | Literal[True]) -> Any:
    if tree is True:
        return value
    if isinstance(value, dict):
        kept = {k: _keep(v, tree[k.lower()]) for k, v in value.items() if k.lower() in tree}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [item for item in (_keep(v, tree) for v in value) if item not in (None, {})]
    return None


def _drop(value: Any, tree: Tree) -> Any:
    if isinstance(value, list):
        return [_drop(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        node = tree.get(key.lower())
        if node is True and key.lower() not in ALWAYS:
            continue
        result[key] = _drop(item, node) if isinstance(node, dict) else item
    return result


class Projection:
    def __init__(self, *, attributes: list[str], excluded: list[str]) -> None:
        # RFC 7644 §3.9: when both are given, `attributes` wins.
        self.include: Tree | None = _tree(attributes) if attributes else None
        self.exclude: Tree | None = None if attributes or not excluded else _tree(excluded)

    @classmethod
    def parse(cls, attributes: Any, excluded: Any) -> "Projection":
        return cls(attributes=split_list(attributes), excluded=split_list(excluded))

    @property
    def is_identity(self) -> bool:
        return self.include is None and self.exclude is None

    def wants(self, name: str) -> bool:
        """Whether a top-level attribute (e.g. `groups`, `members`) is returned at all."""
        name = name.lower()
        if self.include is not None:
            return name in self.include
        return not (self.exclude is not None and self.exclude.get(name) is True)

    def apply(self, document: dict[str, Any]) -> dict[str, Any]:
        if self.include is not None:
            tree = {**self.include, **{k: True for k in ALWAYS}}
            projected = _keep(document, tree)
        elif self.exclude is not None:
            projected = _drop(document, self.exclude)
        else:
            return document
        # `schemas` lists only the schemas whose attributes are still present.
        projected["schemas"] = [
            s for s in document["schemas"] if s in (USER_SCHEMA, GROUP_SCHEMA) or s in projected
        ]
        return projected
