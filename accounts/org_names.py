"""Organisation display names: what may be in one."""

import unicodedata

MAX_LENGTH = 200  # accounts.Organisation.name

# Unicode categories refused anywhere in a name. Cf holds the bidirectional overrides and
# isolates (U+202A-U+202E, U+2066-U+2069), which can make "Acme" display as another name,
# and the zero-width characters (U+200B-U+200D, U+2060, U+FEFF), which make two names that
# look the same compare different. Cc is control characters, Zl/Zp line breaks, Cs lone
# surrogates, Co private use and Cn unassigned code points.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class InvalidOrganisationName(ValueError):
    pass


def organisation_name_validate(name: str) -> str:
    """The name with outer spaces removed, or InvalidOrganisationName with a message."""
    name = (name or "").strip()
    if not name:
        raise InvalidOrganisationName("The organisation needs a name.")
    if len(name) > MAX_LENGTH:
        raise InvalidOrganisationName(
            f"The organisation name can have at most {MAX_LENGTH} characters."
        )
    for char in name:
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            raise InvalidOrganisationName(
                "The organisation name contains an invisible or control character "
                f"(U+{ord(char):04X}); type the name without it."
            )
    return name
