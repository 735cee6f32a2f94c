"""campaigns listens to accounts' hook: provisioning changes defer a debounced tick.

Only organisations with a started campaign, or a group share that new members receive
(share notices), listen at all (campaigns/interest.py, cached): elsewhere SCIM's writes
keep their single statement, and a member addition learns from the same kept answer whether
its group is shared. A change made while that cache is stale is picked up by the sweep
within a minute.
"""

from accounts import hooks
from campaigns.interest import campaigns_started, group_shared, organisation_interested


def _tick_wanted(change: hooks.Change) -> bool:
    if campaigns_started():  # kept per process: no query on SCIM's writes
        return True
    return (
        isinstance(change, hooks.MembershipChanged)
        and bool(change.added)
        and group_shared(change.group_id)  # kept per process too
    )


@hooks.subscribe(interested=organisation_interested)
def on_people_changed(change: hooks.Change) -> None:
    from campaigns.jobs import tick_debounced

    if _tick_wanted(change):
        tick_debounced()
