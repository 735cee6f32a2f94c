"""Organisation slugs: each is a DNS label, a schema name and a subdomain."""

import re

from django.conf import settings

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class InvalidSlug(ValueError):
    pass


def slug_validate(slug: str) -> str:
    """Return the slug, or raise InvalidSlug with a message fit to show a person."""
    if not SLUG_RE.fullmatch(slug or ""):
        raise InvalidSlug(
            f"'{slug}' is not a valid organisation slug: use 1-63 lowercase letters, digits "
            "or hyphens, starting and ending with a letter or digit."
        )
    if slug in settings.RESERVED_SLUGS or slug == settings.TENANT_BASE_SCHEMA:
        raise InvalidSlug(f"'{slug}' is reserved; choose another organisation slug.")
    return slug
