"""The one hook through which other apps learn that memberships or access changed.

Learning and campaigns hang access, due dates and automations on memberships and on
whether a person may sign in. `accounts` never imports them; they subscribe here:

    from accounts import hooks

    @hooks.subscribe
    def on_people_changed(change: hooks.Change) -> None:
        if isinstance(change, hooks.MembershipChanged): ...

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
from collections.abc import Callable
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

_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register `subscriber` (usable as a decorator, typically in an app's `ready()`)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def transaction_for_hooks() -> AbstractContextManager[Any]:
    """The transaction an action's change and its subscribers share. With nobody
    subscribed, a change that is one statement is atomic by itself and needs none (no
    BEGIN and COMMIT round trips on SCIM's busiest writes)."""
    return transaction.atomic() if _subscribers else nullcontext()


def notify(change: Change) -> None:
    """Tell every subscriber, inside the caller's transaction."""
    if not _subscribers:
        return
    if not connection.in_atomic_block:  # a programming error in an action, not a user's
        raise RuntimeError("accounts.hooks.notify must run inside the change's transaction.")
    for subscriber in list(_subscribers):
        subscriber(change)
