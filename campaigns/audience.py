"""A campaign's audience: a SCIM filter on Users, evaluated in SQL by SCIM's own translator.

One grammar and one evaluator (scim.filters.filter_to_q): `department eq "Sales"`,
`groups.value eq "<group id>"`, `meta.created gt "2026-01-01T00:00:00Z"` ("joined Looop
after"), combined with `and`/`or`. Only active people who are not deleted are in an audience,
so deactivation and deletion make a person leave.
"""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import users_live
from campaigns import limits
from campaigns.errors import CampaignRefused
from scim.errors import ScimError
from scim.filters import filter_to_q


def audience_q(expression: str) -> Q:
    """The filter as a Q on User; CampaignRefused with the translator's reason if invalid."""
    expression = (expression or "").strip()
    if not expression:
        raise CampaignRefused("Give the audience: at least one condition.")
    if len(expression) > limits.AUDIENCE_MAX:
        raise CampaignRefused(f"The audience is limited to {limits.AUDIENCE_MAX:,} characters.")
    if "\x00" in expression:
        raise CampaignRefused("The audience may not contain a NUL character.")
    try:
        return filter_to_q(expression, "User")
    except ScimError as exc:
        raise CampaignRefused(f"The audience is not a valid filter: {exc.detail}") from None


def audience_people(expression: str) -> QuerySet[User]:
    """Everyone the audience matches now."""
    return users_live().filter(active=True).filter(audience_q(expression))
