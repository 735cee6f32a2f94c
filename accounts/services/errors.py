"""Refusals of the actions: a rule said no. The message is fit to show a person."""


class Refused(ValueError):
    """An action that the rules forbid; nothing was written. `code` names the rule, so an
    entry point can map it to its protocol (SCIM: `last_active_admin` → 400 mutability)."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class LastActiveAdmin(Refused):
    code = "last_active_admin"


class UserNameTaken(Refused):
    code = "user_name_taken"


class NotAUserHere(Refused):
    """Member ids that are not live users of this organisation."""

    code = "not_a_user_here"


class OrganisationExists(ValueError):
    pass
