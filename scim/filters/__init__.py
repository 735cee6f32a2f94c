"""SCIM filters (RFC 7644 §3.4.2.2) and `sortBy`, translated for the Django ORM.

`filter_to_q` parses with scim2-filter-parser's grammar and returns a Q over
`accounts.models.User` or `Group`; the caller applies it to its own base queryset, so the
filter runs in SQL. Every error is ScimError 400 `invalidFilter`.

Semantics worth knowing:
- Unassigned is not equal: `title ne "x"` and `not (title eq "x")` match users without a
  title. `attr eq null` means unassigned; `pr` means assigned and not "" (lists: non-empty).
- Multi-valued attributes match if any value does (RFC 7644 §3.4.2.2), so
  `emails.value ne "x"` needs some other email; `not (emails.value eq "x")` has no such email.
- `emails co "x"` means `emails.value co "x"`. Inside `emails[...]` every condition holds for
  the same email. An email without `primary` counts as `primary eq false`.
- `id eq` with a malformed UUID matches nothing. Booleans also accept "True"/"False".
- Cost: at most SCIM_FILTER_MAX_COMPARISONS comparisons, and no substring operators
  (`co`, `sw`, `ew`) on multi-valued lists (emails, phoneNumbers, addresses): no index
  serves them, and each read every user's list (docs/performance.md, "Filter cost").
- Not filterable: `schemas`, `meta.resourceType/location/version`, `password`, and the
  attributes Looop does not store (ims, photos, roles, entitlements, x509Certificates).
"""

from django.conf import settings
from django.db.models import Q

from scim.errors import invalid_filter
from scim.filters.attributes import SCHEMAS, Resource
from scim.filters.grammar import comparisons, parse_filter
from scim.filters.sorting import sort_field
from scim.filters.translate import FilterTranslator

__all__ = ["Resource", "filter_to_q", "sort_field"]


def filter_to_q(expression: str, resource: Resource) -> Q:
    if resource not in SCHEMAS:
        raise ValueError(f"Unknown SCIM resource type {resource!r}")
    tree = parse_filter(expression)
    limit = settings.SCIM_FILTER_MAX_COMPARISONS
    if (count := comparisons(tree)) > limit:
        raise invalid_filter(
            f"The filter makes {count} comparisons; at most {limit} are allowed in one filter."
        )
    return FilterTranslator(resource).translate(tree)
