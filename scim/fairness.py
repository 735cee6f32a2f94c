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
"""

import threading

from django.conf import settings

from scim.errors import ScimError


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
