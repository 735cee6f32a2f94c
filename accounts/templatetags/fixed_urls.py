"""`{% fixed_url "name" %}`: `{% url "name" %}` for a route without arguments, reversed once
per process, URLconf and script prefix (looop.urls_util.reverse_once): the navigation on
every signed-in page names three to ten of them."""

from django import template

from looop.urls_util import reverse_once

register = template.Library()


@register.simple_tag
def fixed_url(name: str) -> str:
    return reverse_once(name)
