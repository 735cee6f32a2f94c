"""Usable SCIM tokens, cached per process and dropped as soon as any process changes one.

The token lookup was one of the two database round trips of most SCIM requests. A token
row changes only when it is revoked, reset or deleted; a trigger (migration 0002) then
sends `NOTIFY looop_scim_token` with the organisation's schema, and every process's
listener drops that organisation's cached tokens. Expiry is checked on every use.

The cache serves only while its listener is connected and listening, and it forgets an
entry after `SCIM_TOKEN_CACHE_SECONDS` whatever happens, so a lost notification delays a
revocation by at most that long. With the setting at 0 every request reads the database.
"""

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from scim.models import ScimToken

logger = logging.getLogger("looop.scim")

CHANNEL = "looop_scim_token"
LISTENER_NAME = "looop scim token listener"  # its application_name in pg_stat_activity
CAPACITY = 4096  # tokens per process; a full cache starts again empty
HEARTBEAT_SECONDS = 5.0  # how often an idle listener proves its connection still works
WAKE_SECONDS = 0.5  # how soon a listener notices it was stopped
RETRY_SECONDS = 1.0


def max_age() -> float:
    return float(settings.SCIM_TOKEN_CACHE_SECONDS)


class TokenCache:
    """(schema, secret digest) → usable token, valid while `generation` has not moved.

    A lookup notes the generation before it reads the database and stores its result only
    if nothing was dropped meanwhile: a row read before a revocation never lands after it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[ScimToken, float]] = {}
        self._generation = 0
        self._listening = False
        self.listener_backend_pid: int | None = None  # its database session (diagnostics)
        self._pid: int | None = None
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None

    @property
    def listening(self) -> bool:
        return self._listening

    def get(self, schema: str, digest: str) -> ScimToken | None:
        if self._pid != os.getpid():
            self._start()
        entry = self._entries.get((schema, digest))
        if entry is None:
            return None
        token, stored = entry
        if time.monotonic() - stored >= max_age() or not self._listening:
            with self._lock:
                self._entries.pop((schema, digest), None)
            return None
        return token

    def generation(self) -> int:
        return self._generation

    def put(self, schema: str, digest: str, token: ScimToken, generation: int) -> None:
        with self._lock:
            if not self._listening or generation != self._generation:
                return
            if len(self._entries) >= CAPACITY:
                self._entries.clear()
            self._entries[(schema, digest)] = (token, time.monotonic())

    def forget(self, schema: str | None = None) -> None:
        """Drop one organisation's tokens (None: every organisation's)."""
        with self._lock:
            self._generation += 1
            if schema is None:
                self._entries.clear()
            else:
                for key in [key for key in self._entries if key[0] == schema]:
                    del self._entries[key]

    # --- the listener ---------------------------------------------------------------------

    def _start(self) -> None:
        """Start this process's listener (again after a fork: threads don't survive it)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._entries.clear()
            self._listening = False
            self._stop = threading.Event()
            settings_dict = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
            self._listener = threading.Thread(
                target=self._listen, args=(settings_dict, self._stop), daemon=True,
                name="scim-token-listener",
            )  # fmt: skip
        self._listener.start()

    def stop(self) -> None:
        """Stop listening and serve nothing from memory (tests, before dropping a database)."""
        self._stop.set()
        if self._listener is not None:
            self._listener.join(WAKE_SECONDS + 5)
        with self._lock:
            self._pid = None
            self._listener = None
            self._entries.clear()
            self._listening = False

    def _listen(self, settings_dict: dict[str, Any], stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._listen_once(settings_dict, stop)
            except Exception:  # a lost connection: serve from the database until back
                logger.warning("SCIM token cache: listener lost; retrying", exc_info=True)
            self._set_listening(False)
            stop.wait(RETRY_SECONDS)

    def _listen_once(self, settings_dict: dict[str, Any], stop: threading.Event) -> None:
        wrapper = type(connections[DEFAULT_DB_ALIAS])(settings_dict, alias="scim-token-listener")
        params = {**wrapper.get_connection_params(), "application_name": LISTENER_NAME}
        raw = wrapper.get_new_connection(params)
        try:
            raw.autocommit = True
            raw.execute(f"LISTEN {CHANNEL}")
            self.listener_backend_pid = raw.info.backend_pid
            self._set_listening(True)
            checked = time.monotonic()
            while not stop.is_set():
                for notify in raw.notifies(timeout=WAKE_SECONDS):
                    self.forget(notify.payload or None)
                if time.monotonic() - checked >= HEARTBEAT_SECONDS:
                    raw.execute("SELECT 1")
                    checked = time.monotonic()
        finally:
            raw.close()

    def _set_listening(self, listening: bool) -> None:
        with self._lock:
            # Tokens read while nobody listened may already be revoked: start empty.
            self._generation += 1
            self._entries.clear()
            self._listening = listening


CACHE = TokenCache()
