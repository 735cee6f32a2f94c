"""The action layer's refusals in SCIM's terms (RFC 7644 §3.12)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError

from accounts.services import LastActiveAdmin, NotAUserHere, Refused, UserNameTaken
from scim.errors import ScimError, invalid_value, mutability, uniqueness


@contextmanager
def refusals_as_scim() -> Iterator[None]:
    """Run actions; a refusal becomes the SCIM error a client can act on."""
    try:
        yield
    except LastActiveAdmin as exc:
        # Entra retries this every cycle: the intended, visible outcome (docs/scim.md).
        raise mutability(str(exc)) from exc
    except UserNameTaken as exc:
        raise uniqueness("A user with this userName already exists.") from exc
    except NotAUserHere as exc:
        raise invalid_value(str(exc)) from exc
    except Refused as exc:
        if exc.code == "busy":
            raise ScimError(
                503, "The resource changed repeatedly while this request ran; retry."
            ) from exc
        raise mutability(str(exc)) from exc
    except IntegrityError as exc:
        raise invalid_value("The request conflicts with existing data.") from exc
