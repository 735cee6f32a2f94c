"""Reads for "Find your organisation": by its address, or by its name when that is unique."""

from django.conf import settings

from accounts.models import Organisation
from accounts.slugs import InvalidSlug, slug_validate


def slug_from_address(text: str) -> str:
    """The slug in what someone typed as an address: `acme`, `acme.looop.co`, or a whole URL
    such as `https://acme.looop.co/login`."""
    text = text.strip().lower()
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    host = text.split("/", 1)[0].split(":", 1)[0]
    return host.removesuffix("." + settings.BASE_DOMAIN)


def organisation_find(*, text: str) -> tuple[str | None, int]:
    """The slug of the organisation `text` names, and how many organisations matched:
    the address first; else the name, compared without case, which must be unique."""
    slug = slug_from_address(text)
    try:
        slug_validate(slug)
    except InvalidSlug:
        pass
    else:
        if Organisation.objects.filter(schema_name=slug).exists():
            return slug, 1
    named = list(
        Organisation.objects.filter(name__iexact=text.strip())
        .exclude(schema_name="public")
        .values_list("schema_name", flat=True)[:2]
    )
    return (named[0] if len(named) == 1 else None), len(named)
