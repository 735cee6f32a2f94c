from typing import Any

from django.conf import settings
from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict[str, Any]:
    return {
        "organisation": getattr(request, "tenant", None),
        "base_domain": settings.BASE_DOMAIN,
    }
