"""Housekeeping over every organisation: the work behind the periodic jobs and commands."""

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import Organisation
from scim.services import events_prune
from sso.handoff import tickets_prune

logger = logging.getLogger(__name__)


def organisation_slugs() -> Iterator[str]:
    slugs = Organisation.objects.exclude(schema_name=get_public_schema_name())
    yield from slugs.order_by("schema_name").values_list("schema_name", flat=True).iterator()


def each_organisation(work: Callable[[], int]) -> dict[str, int]:
    """Run `work` in every organisation's schema; a failure in one does not stop the rest."""
    done: dict[str, int] = {}
    for slug in organisation_slugs():
        try:
            with schema_context(slug):
                done[slug] = work()
        except Exception:
            logger.exception("housekeeping failed in %s", slug)
    return done


def provisioning_events_prune_everywhere(*, days: int) -> dict[str, int]:
    """Delete provisioning-log events older than `days` days, in every organisation."""
    return each_organisation(lambda: events_prune(older_than=timedelta(days=days)))


def _sessions_clear() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def expired_sessions_clear_everywhere() -> int:
    """Expired sessions: each organisation keeps its own, and the public host has some too."""
    total = sum(each_organisation(_sessions_clear).values())
    with schema_context(get_public_schema_name()):
        total += _sessions_clear()
    return total


def expired_tickets_clear_everywhere() -> int:
    """Sign-in hand-off tickets past their retention (sso/handoff.py)."""
    return sum(each_organisation(tickets_prune).values())
