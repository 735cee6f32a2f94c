"""campaigns listens to accounts' hook: provisioning changes defer a debounced tick.

Only organisations with a started campaign, or a group share that new members receive
(share notices), listen at all (campaigns/interest.py, cached): elsewhere SCIM's writes
keep their single statement. A change made while that cache is stale is picked up by the
sweep within a minute.
"""

from accounts import hooks
from campaigns.interest import campaigns_started, organisation_interested
from learning.models import Share


def _tick_wanted(change: hooks.Change) -> bool:
    if campaigns_started():  # kept per process: no query on SCIM's writes
        return True
    return (
        isinstance(change, hooks.MembershipChanged)
        and bool(change.added)
        and Share.objects.filter(group_id=change.group_id).exists()
    )


@hooks.subscribe(interested=organisation_interested)
def on_people_changed(change: hooks.Change) -> None:
    from campaigns.jobs import tick_debounced

    if _tick_wanted(change):
        tick_debounced()
