"""Keeps the routing cache in step with the domains table."""

from typing import Any

from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Domain, Organisation
from looop.middleware import routing_cache_key


def _forget(hosts: list[str]) -> None:
    caches["routing"].delete_many([routing_cache_key(h) for h in hosts])


@receiver([post_save, post_delete], sender=Domain)
def domain_changed(sender: type, instance: Domain, **kwargs: Any) -> None:
    _forget([instance.domain])


@receiver([post_save, post_delete], sender=Organisation)
def organisation_changed(sender: type, instance: Organisation, **kwargs: Any) -> None:
    _forget(list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True)))
