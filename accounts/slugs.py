"""Organisation slugs: each is a DNS label, a schema name and a subdomain."""

import re

from django.conf import settings

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

# Host names that mail clients, browsers and certificate authorities look up by convention
# under a domain: an organisation holding one could answer for the whole of the base domain
# (autodiscover/autoconfig point mail clients at a server, mta-sts sets mail policy, wpad
# hands out a web proxy). RESERVED_SLUGS in settings holds Looop's own names.
WELL_KNOWN_LABELS = frozenset(
    {
        "mta-sts", "autodiscover", "autoconfig", "wpad", "isatap", "lyncdiscover", "sip",
        "enterpriseregistration", "enterpriseenrollment", "msoid", "imap", "pop", "pop3",
        "ftp", "ns1", "ns2", "ns3", "ns4", "mx", "webmail", "owa", "postmaster", "hostmaster",
        "webmaster", "abuse", "noreply", "no-reply", "well-known", "acme-challenge",
        "metrics", "healthz", "readyz",
    }
)  # fmt: skip


class InvalidSlug(ValueError):
    pass


def slug_normalise(raw: str) -> str:
    """What the sign-up form and the live address check both do to typed input first."""
    return (raw or "").strip().lower()


def slug_validate(slug: str) -> str:
    """Return the slug, or raise InvalidSlug with a message fit to show a person."""
    if not SLUG_RE.fullmatch(slug or ""):
        raise InvalidSlug(
            f"'{slug}' is not a valid organisation slug: use 1-63 lowercase letters, digits "
            "or hyphens, starting and ending with a letter or digit."
        )
    # RFC 5891 §4.2.3.1: "--" in the 3rd and 4th places marks an encoded label ("xn--…" is
    # punycode), whose Unicode form could imitate another organisation's address.
    if slug[2:4] == "--":
        raise InvalidSlug(
            f"'{slug}' is reserved: addresses with '--' as their third and fourth characters "
            "are kept for internationalised domain names."
        )
    if (
        slug in settings.RESERVED_SLUGS
        or slug in WELL_KNOWN_LABELS
        or slug == settings.TENANT_BASE_SCHEMA
    ):
        raise InvalidSlug(f"'{slug}' is reserved; choose another organisation slug.")
    return slug
