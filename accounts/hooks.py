"""The one hook through which other apps learn that memberships or access changed.

Learning and campaigns hang access, due dates and automations on memberships and on
whether a person may sign in. `accounts` never imports them; they subscribe here:

    from accounts import hooks

    @hooks.subscribe
    def on_people_changed(change: hooks.Change) -> None:
        if isinstance(change, hooks.MembershipChanged): ...

A subscriber may say when it cares (`subscribe(..., interested=...)`, a cheap check given
the kind of change, such as "does this organisation have a running campaign, or, for
members added, a group share?"). While no subscriber cares, an action that is one
statement opens no transaction and tells nobody: SCIM's busiest writes keep their single
round trip. A change made while interest appears mid-action is not
reported; a subscriber with an `interested` check must catch up by itself (campaigns
sweep every minute).

Subscribers are called by the actions in `accounts.services`, inside the action's
transaction, after its writes: what a subscriber writes commits or rolls back with the
change, and an exception from a subscriber undoes the change. Keep subscribers short
(set-based SQL, or deferring a job, which is transactional).

What is reported:
- `MembershipChanged`: users added to or removed from one group (members add, remove and
  replace; a deleted group reports its members as removed).
- `AccessChanged`: a person deactivated, reactivated or deleted. A deleted person's
  memberships end with them; that is not reported again as `MembershipChanged`.
- `AttributesChanged`: a person created, or their attributes (not `active`) updated, with
  the names of the fields written. Campaign audiences follow attributes.
"""

import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection, transaction

from accounts.actors import Actor


@dataclass(frozen=True)
class MembershipChanged:
    group_id: uuid.UUID
    added: tuple[uuid.UUID, ...]
    removed: tuple[uuid.UUID, ...]
    actor: Actor


@dataclass(frozen=True)
class AccessChanged:
    user_id: uuid.UUID
    change: Literal["deactivated", "reactivated", "deleted"]
    actor: Actor


@dataclass(frozen=True)
class AttributesChanged:
    user_id: uuid.UUID
    fields: tuple[str, ...]
    actor: Actor
    created: bool = False


Change = MembershipChanged | AccessChanged | AttributesChanged
Subscriber = Callable[[Change], None]
# What an action may report, for `interested` to answer before the change is made.
Kind = Literal["members_added", "members_removed", "access", "attributes"]
Interest = Callable[[Kind], bool]

_subscribers: dict[Subscriber, Interest | None] = {}


def subscribe(subscriber: Subscriber | None = None, *, interested: Interest | None = None) -> Any:
    """Register `subscriber` (usable as a decorator, with or without `interested`),
    typically in an app's `ready()`. `interested(kind)`, if given, is asked before each
    change in the current organisation; it must be cheap (cached), as SCIM writes ask it."""

    def register(function: Subscriber) -> Subscriber:
        _subscribers[function] = interested
        return function

    return register if subscriber is None else register(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    _subscribers.pop(subscriber, None)


def _listening(kinds: Iterable[Kind]) -> list[tuple[Subscriber, bool]]:
    """(subscriber, whether it may be skipped outside a transaction) for those that care
    about any of `kinds`."""
    kinds = tuple(kinds)
    return [
        (function, interested is not None)
        for function, interested in list(_subscribers.items())
        if interested is None or any(interested(kind) for kind in kinds)
    ]


def kinds_of(change: Change) -> tuple[Kind, ...]:
    if isinstance(change, MembershipChanged):
        added: tuple[Kind, ...] = ("members_added",) if change.added else ()
        return added + (("members_removed",) if change.removed else ())
    return ("access",) if isinstance(change, AccessChanged) else ("attributes",)


def transaction_for_hooks(*kinds: Kind) -> AbstractContextManager[Any]:
    """The transaction an action's change and its subscribers share; `kinds`, what it may
    report. While nobody listens for those, a change that is one statement is atomic by
    itself and needs none (no BEGIN and COMMIT round trips on SCIM's busiest writes)."""
    return transaction.atomic() if _listening(kinds) else nullcontext()


def notify(change: Change) -> None:
    """Tell every subscriber that listens, inside the caller's transaction."""
    listening = _listening(kinds_of(change))
    if not listening:
        return
    if not connection.in_atomic_block:
        if all(conditional for _, conditional in listening):
            return  # interest began during this change: the subscriber catches up itself
        # a programming error in an action, not a user's
        raise RuntimeError("accounts.hooks.notify must run inside the change's transaction.")
    for subscriber, _ in listening:
        subscriber(change)
