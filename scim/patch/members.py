"""Group member changes, folded across the operations of one PATCH.

A group may have 100,000 members, so its document never lists them: member operations are
collected here and applied by the caller as set-based SQL.
"""

from dataclasses import dataclass
from typing import Any

from scim.errors import invalid_value


@dataclass
class MemberChanges:
    """The net effect of a PATCH on a group's members.

    Apply in this order: `replace` (if not None) or `remove_all`, then `remove`, then `add`.
    The folding keeps the parts consistent, so that order gives the same result as running
    the operations one by one: `add` and `remove` never share an id; after a replace, later
    adds and removes are folded into `replace` itself; after remove_all, `remove` is empty.
    """

    add: list[str]  # member ids to add
    remove: list[str]  # member ids to remove
    replace: list[str] | None  # None = no replace; a list = the new full member set
    remove_all: bool  # "remove members" with no value/filter


class MemberLedger:
    """Accumulates member operations in request order. Ids compare case-insensitively
    (members.value is caseExact false, RFC 7643 §8.7.1)."""

    def __init__(self) -> None:
        self._add: dict[str, str] = {}
        self._remove: dict[str, str] = {}
        self._replace: dict[str, str] | None = None
        self._remove_all = False

    def add(self, ids: list[str]) -> None:
        for member_id in ids:
            key = member_id.lower()
            if self._replace is not None:
                self._replace[key] = member_id
            else:
                self._remove.pop(key, None)
                self._add[key] = member_id

    def remove(self, ids: list[str]) -> None:
        for member_id in ids:
            key = member_id.lower()
            if self._replace is not None:
                self._replace.pop(key, None)
                continue
            self._add.pop(key, None)
            if not self._remove_all:
                self._remove[key] = member_id

    def remove_all(self) -> None:
        self._add.clear()
        self._remove.clear()
        self._replace = None
        self._remove_all = True

    def replace(self, ids: list[str]) -> None:
        self._add.clear()
        self._remove.clear()
        self._remove_all = False
        self._replace = {}
        self.add(ids)

    def changes(self) -> MemberChanges:
        return MemberChanges(
            add=list(self._add.values()),
            remove=list(self._remove.values()),
            replace=None if self._replace is None else list(self._replace.values()),
            remove_all=self._remove_all,
        )


def member_value_ids(value: Any, path: str) -> list[str]:
    """Ids from a members value: [{"value": "<id>", "$ref": …}, …] (a single object is
    taken as a list of one). Other sub-attributes ($ref, display, type) are ignored."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise invalid_value(f'\'{path}\' must be a list of {{"value": "<id>"}} objects.')
    ids: list[str] = []
    for index, item in enumerate(value):
        member_id = None
        if isinstance(item, dict):
            member_id = next((v for k, v in item.items() if k.lower() == "value"), None)
        if not isinstance(member_id, str) or not member_id.strip():
            raise invalid_value(f"'{path}[{index}]' must be an object with a string 'value' id.")
        ids.append(member_id.strip())
    return ids
