"""SCIM filters (RFC 7644 §3.4.2.2) and `sortBy`, translated for the Django ORM.

`filter_to_q` parses with scim2-filter-parser's grammar and returns a Q over
`accounts.models.User` or `Group`; the caller applies it to its own base queryset, so the
filter runs in SQL. Every error is ScimError 400 `invalidFilter`.
"""

from django.db.models import Q

from scim.filters.attributes import SCHEMAS, Resource
from scim.filters.grammar import parse_filter
from scim.filters.sorting import sort_field
from scim.filters.translate import FilterTranslator

__all__ = ["Resource", "filter_to_q", "sort_field"]


def filter_to_q(expression: str, resource: Resource) -> Q:
    if resource not in SCHEMAS:
        raise ValueError(f"Unknown SCIM resource type {resource!r}")
    return FilterTranslator(resource).translate(parse_filter(expression))
