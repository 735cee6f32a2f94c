"""Whether this organisation has anything that follows provisioning: a started (or paused)
campaign, or a group share whose new members get a notice. Asked before every SCIM write
(accounts.hooks), so the answer is kept per process for CAMPAIGNS_INTEREST_SECONDS; this
process forgets it at once when it starts a campaign or shares with a group, and other
processes within that time (the minute sweep catches up what they miss).

With it is kept which groups carry a share, so that a member-adding SCIM write in an
organisation with group shares asks the database nothing to know whether its group is one
of them (3 Dec 2026, docs/performance.md: an `EXISTS` on every such PATCH).
"""

import time

from django.conf import settings
from django.db import connection

from accounts.hooks import Kind
from campaigns.models import Campaign
from learning.models import Share

# schema -> until when a tick known to this process has not started (campaigns.jobs)
_tick_until: dict[str, float] = {}
_MARGIN_SECONDS = 0.5


def tick_pending() -> bool:
    """Whether a tick this process queued, or found waiting, starts after a change that
    commits now: it will see that change, which then needs nothing more."""
    return _tick_until.get(connection.schema_name, 0.0) - time.monotonic() > _MARGIN_SECONDS


def tick_pending_until(schema: str, until: float) -> None:
    _tick_until[schema] = until


# Past this many shared groups the set is not kept: the question goes to the database.
SHARED_GROUPS_KEPT = 10_000


# schema -> (when read, a campaign is started, the shared groups' ids as text, or None
# when there are more than SHARED_GROUPS_KEPT of them)
_known: dict[str, tuple[float, bool, frozenset[str] | None]] = {}


def _shared_groups() -> frozenset[str] | None:
    ids = list(
        Share.objects.filter(group__isnull=False)
        .order_by()
        .values_list("group_id", flat=True)
        .distinct()[: SHARED_GROUPS_KEPT + 1]
    )
    return None if len(ids) > SHARED_GROUPS_KEPT else frozenset(str(i) for i in ids)


def _read() -> tuple[float, bool, frozenset[str] | None]:
    schema = connection.schema_name
    now = time.monotonic()
    known = _known.get(schema)
    if known is not None and now - known[0] < settings.CAMPAIGNS_INTEREST_SECONDS:
        return known
    known = _known[schema] = (
        now,
        Campaign.objects.exclude(status=Campaign.Status.DRAFT).exists(),
        _shared_groups(),
    )
    return known


def organisation_interested(kind: Kind) -> bool:
    """A started campaign follows every change; a group share only people joining it (their
    share notice). Elsewhere, and while a tick is pending (a burst of SCIM writes), SCIM's
    writes keep their single statement: no transaction around them."""
    if tick_pending():
        return False
    _, campaigns, groups = _read()
    return campaigns or (kind == "members_added" and (groups is None or bool(groups)))


def campaigns_started() -> bool:
    """A started or paused campaign here (the kept answer): every change may move people."""
    return _read()[1]


def group_shared(group_id: object) -> bool:
    """Whether a share reaches this group's members (the kept answer; the database only for
    an organisation with more shared groups than are kept)."""
    groups = _read()[2]
    if groups is None:
        return Share.objects.filter(group_id=group_id).exists()
    return str(group_id) in groups


def interest_forget() -> None:
    """After this process starts a campaign or shares with a group here."""
    _known.pop(connection.schema_name, None)
