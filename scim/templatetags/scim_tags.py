"""The SCIM card of Account > Authentication, so `accounts` needs no import of `scim`."""

from django import template

from scim.selectors import scim_tokens_active_count

register = template.Library()


@register.simple_tag
def scim_active_tokens() -> int:
    return scim_tokens_active_count()
