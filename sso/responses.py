"""The refusal page, shared by the public host and organisation hosts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from sso.refusals import SignInRefused, refusal_log


def refusal_response(
    request: HttpRequest,
    refused: SignInRefused,
    *,
    organisation: str | None,
    back_url: str,
    **log_context: object,
) -> HttpResponse:
    """Log the refusal and explain it; nothing was created or bound."""
    refusal_log(refused=refused, organisation=organisation, **log_context)
    text = refused.text
    response = render(
        request,
        "sso/refused.html",
        {
            "reason": refused.refusal.value,
            "title": text.title,
            "message": text.message,
            # Fixed text chosen by the error code: never the provider's own description,
            # which arrives in a query string that anyone can write (sso/provider_errors.py).
            "provider_error": refused.detail.get("shown") or "",
            "back_url": back_url,
        },
        status=text.status,
    )
    add_never_cache_headers(response)
    return response
