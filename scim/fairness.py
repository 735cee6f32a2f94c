"""Fairness between organisations: a cap on one organisation's concurrent SCIM requests.

Each process serves a few requests at a time (gunicorn's threads). Without a cap, eight
costly filters from one organisation took every thread of every process, and another
organisation's `GET /Users/<id>` waited minutes behind them. An organisation may run at most
`ORG_CONCURRENT_REQUESTS` SCIM requests at once in a process; more answer 429 with
Retry-After (RFC 6585 §4), which Entra honours by retrying later. Each request thread holds
one database connection, so the cap bounds an organisation's connections too.

The count is per process, in memory: it guards this process's threads, which is what a
flood can exhaust, and needs no round trip. Only authenticated requests take a slot, so
anonymous requests cannot use up an organisation's share.

Costly filters (any list or search filter but Entra's indexed equality lookups) also take
one of `ORG_CONCURRENT_COSTLY_FILTERS` places per organisation in the whole database, held
as a PostgreSQL advisory lock: what they exhaust is the database's CPUs, which every process
and machine shares. With one place, an organisation's costly filters keep at most one
database CPU busy, however many app processes serve it. Entra's own requests never take it.
"""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest

from scim.budgets import costly_filter
from scim.errors import ScimError

logger = logging.getLogger("looop.scim")

# First key of the advisory locks that hold costly-filter places (+ the place's number);
# the second key is hashtext(<organisation schema>). Two organisations whose names hash
# alike (1 in 2^32) would share their places: a rare early 429, never a wrong answer.
COSTLY_FILTER_LOCKS = 0x5C1F_0000


class OrganisationSlots:
    """How many requests each organisation runs in this process now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}

    def take(self, organisation: str, limit: int) -> bool:
        with self._lock:
            running = self._running.get(organisation, 0)
            if running >= limit:
                return False
            self._running[organisation] = running + 1
            return True

    def give_back(self, organisation: str) -> None:
        with self._lock:
            running = self._running.get(organisation, 0) - 1
            if running > 0:
                self._running[organisation] = running
            else:
                self._running.pop(organisation, None)

    def running(self, organisation: str) -> int:
        return self._running.get(organisation, 0)


SLOTS = OrganisationSlots()


class RequestSlot:
    """One request's place among its organisation's concurrent requests."""

    def __init__(self, organisation: str) -> None:
        self.organisation = organisation

    @classmethod
    def take(cls, organisation: str) -> "RequestSlot | None":
        """A slot, None when no cap is set, or ScimError 429 when the organisation has its share."""
        limit = settings.ORG_CONCURRENT_REQUESTS
        if limit <= 0:
            return None
        if not SLOTS.take(organisation, limit):
            raise ScimError(
                429,
                f"Too many concurrent requests for this organisation (at most {limit} at once "
                f"per server process); retry after {settings.ORG_RETRY_AFTER_SECONDS} seconds.",
            )
        return cls(organisation)

    def give_back(self) -> None:
        SLOTS.give_back(self.organisation)


class CostlyFilterSlot:
    """One of an organisation's places for a costly filter, held as a session advisory lock."""

    def __init__(self, organisation: str, key: int) -> None:
        self.organisation, self.key = organisation, key

    @classmethod
    def take(cls, organisation: str) -> "CostlyFilterSlot | None":
        """A place, None when no cap is set, or ScimError 429 when all are taken."""
        limit = settings.ORG_CONCURRENT_COSTLY_FILTERS
        # Inside a transaction a failed statement would keep the unlock from running.
        if limit <= 0 or connection.in_atomic_block:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT %s + place FROM generate_series(0, %s) AS place"
                " WHERE pg_try_advisory_lock(%s + place, hashtext(%s)) LIMIT 1",
                [COSTLY_FILTER_LOCKS, limit - 1, COSTLY_FILTER_LOCKS, organisation],
            )
            row = cursor.fetchone()
        if row is None:
            raise ScimError(
                429,
                f"This organisation already runs {limit} costly filter(s); retry after "
                f"{settings.ORG_RETRY_AFTER_SECONDS} seconds. Filters by eq on userName, "
                "externalId, id or emails are not limited.",
            )
        return cls(organisation, row[0])

    def give_back(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", [self.key, self.organisation]
                )
        except DatabaseError:
            logger.warning("Could not release a costly-filter place; closing the connection")
            connection.close()  # the session's advisory locks end with it


Slot = RequestSlot | CostlyFilterSlot


def admit(request: HttpRequest, held: list[Slot]) -> None:
    """Take this request's places (into `held`), or raise ScimError 429."""
    organisation = connection.schema_name
    if (slot := RequestSlot.take(organisation)) is not None:
        held.append(slot)
    if costly_filter(request) and (place := CostlyFilterSlot.take(organisation)) is not None:
        held.append(place)


def release(held: list[Slot]) -> None:
    while held:
        held.pop().give_back()
