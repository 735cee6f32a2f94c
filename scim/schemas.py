"""The SCIM schemas Looop serves (RFC 7643 §4, §8.7): the single source for /Schemas,
attribute projection and document validation.

Only attributes that Looop stores are declared, so discovery tells the truth: a client that
reads /Schemas (scim2-tester does) only sends what comes back unchanged.
"""

from dataclasses import dataclass, field
from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


@dataclass(frozen=True)
class Attribute:
    """One attribute definition, rendered as in RFC 7643 §7."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    description: str = ""
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub_attributes: tuple["Attribute", ...] = ()

    def sub(self, name: str) -> "Attribute | None":
        lowered = name.lower()
        return next((a for a in self.sub_attributes if a.name.lower() == lowered), None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
        }
        if self.type in ("string", "reference", "binary"):
            data["caseExact"] = self.case_exact
        if self.canonical_values:
            data["canonicalValues"] = list(self.canonical_values)
        if self.reference_types:
            data["referenceTypes"] = list(self.reference_types)
        data["mutability"] = self.mutability
        data["returned"] = self.returned
        if self.type != "complex":
            data["uniqueness"] = self.uniqueness
        if self.sub_attributes:
            data["subAttributes"] = [a.to_dict() for a in self.sub_attributes]
        return data


@dataclass(frozen=True)
class Schema:
    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...] = field(default_factory=tuple)

    def attribute(self, name: str) -> Attribute | None:
        lowered = name.lower()
        return next((a for a in self.attributes if a.name.lower() == lowered), None)

    def to_dict(self, *, base_url: str) -> dict[str, Any]:
        return {
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": [a.to_dict() for a in self.attributes],
            "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{self.id}"},
        }


def _string(name: str, description: str, **kwargs: Any) -> Attribute:
    return Attribute(name=name, description=description, **kwargs)


def _typed_values(
    name: str, description: str, kinds: tuple[str, ...], *, display: bool = True
) -> Attribute:
    """emails, phoneNumbers: value, display, type, primary (RFC 7643 §4.1.2)."""
    subs = [_string("value", f"The {name} value.")]
    if display:
        subs.append(_string("display", "A human-readable name, primarily for display."))
    subs += [
        _string("type", "A label indicating the attribute's function.", canonical_values=kinds),
        Attribute("primary", "boolean", description="The primary or preferred value."),
    ]
    return Attribute(
        name, "complex", multi_valued=True, description=description, sub_attributes=tuple(subs)
    )


NAME = Attribute(
    "name",
    "complex",
    description="The components of the user's real name.",
    sub_attributes=(
        _string("formatted", "The full name, formatted for display."),
        _string("familyName", "The family name (last name)."),
        _string("givenName", "The given name (first name)."),
        _string("middleName", "The middle name(s)."),
        _string("honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'."),
        _string("honorificSuffix", "The honorific suffix(es), e.g. 'III'."),
    ),
)

ADDRESSES = Attribute(
    "addresses",
    "complex",
    multi_valued=True,
    description="Physical mailing addresses.",
    sub_attributes=(
        _string("formatted", "The full mailing address, formatted for display."),
        _string("streetAddress", "The street address."),
        _string("locality", "The city or locality."),
        _string("region", "The state or region."),
        _string("postalCode", "The zip code or postal code."),
        _string("country", "The country name (ISO 3166-1 alpha-2)."),
        _string("type", "The kind of address.", canonical_values=("work", "home", "other")),
        Attribute("primary", "boolean", description="The primary mailing address."),
    ),
)

USER_GROUPS = Attribute(
    "groups",
    "complex",
    multi_valued=True,
    description="The groups the user belongs to (read-only; change members on the group).",
    mutability="readOnly",
    sub_attributes=(
        _string("value", "The identifier of the group.", mutability="readOnly"),
        Attribute(
            "$ref",
            "reference",
            description="The URI of the group.",
            reference_types=("Group",),
            mutability="readOnly",
        ),
        _string("display", "The group's display name.", mutability="readOnly"),
        _string(
            "type",
            "How the membership was obtained.",
            canonical_values=("direct",),
            mutability="readOnly",
        ),
    ),
)

USER = Schema(
    id=USER_SCHEMA,
    name="User",
    description="User Account",
    attributes=(
        _string(
            "userName",
            "Unique identifier for the user, typically used to sign in.",
            required=True,
            uniqueness="server",
        ),
        NAME,
        _string("displayName", "The name of the user, suitable for display."),
        _string("nickName", "The casual way to address the user."),
        Attribute(
            "profileUrl",
            "reference",
            description="A URI of the user's online profile.",
            reference_types=("external",),
        ),
        _string("title", "The user's title, such as 'Vice President'."),
        _string("userType", "The relationship to the organisation, e.g. 'Employee'."),
        _string("preferredLanguage", "The preferred written or spoken language."),
        _string("locale", "The default location, for localising values."),
        _string("timezone", "The time zone, in IANA format, e.g. 'Europe/Paris'."),
        Attribute("active", "boolean", description="The user's administrative status."),
        _typed_values("emails", "Email addresses.", ("work", "home", "other")),
        _typed_values(
            "phoneNumbers",
            "Phone numbers.",
            ("work", "home", "mobile", "fax", "pager", "other"),
        ),
        ADDRESSES,
        USER_GROUPS,
    ),
)

ENTERPRISE_USER = Schema(
    id=ENTERPRISE_SCHEMA,
    name="EnterpriseUser",
    description="Enterprise User",
    attributes=(
        _string("employeeNumber", "A string identifier, typically numeric or alphanumeric."),
        _string("costCenter", "The name of a cost center."),
        _string("organization", "The name of an organization."),
        _string("division", "The name of a division."),
        _string("department", "The name of a department."),
        Attribute(
            "manager",
            "complex",
            description="The user's manager.",
            sub_attributes=(
                _string("value", "The id of the manager's SCIM resource."),
                Attribute(
                    "$ref",
                    "reference",
                    description="The URI of the manager's SCIM resource.",
                    reference_types=("User",),
                ),
                _string("displayName", "The manager's display name.", mutability="readOnly"),
            ),
        ),
    ),
)

GROUP = Schema(
    id=GROUP_SCHEMA,
    name="Group",
    description="Group",
    attributes=(
        _string("displayName", "A human-readable name for the group.", required=True),
        Attribute(
            "members",
            "complex",
            multi_valued=True,
            description="The members of the group (users).",
            sub_attributes=(
                _string("value", "The id of the member.", mutability="immutable"),
                Attribute(
                    "$ref",
                    "reference",
                    description="The URI of the member.",
                    reference_types=("User",),
                    mutability="immutable",
                ),
                _string(
                    "type",
                    "The type of the member.",
                    canonical_values=("User",),
                    mutability="immutable",
                ),
                _string("display", "The member's display name.", mutability="readOnly"),
            ),
        ),
    ),
)

SCHEMAS: dict[str, Schema] = {s.id: s for s in (USER, ENTERPRISE_USER, GROUP)}


def schema_get(urn: str) -> Schema | None:
    """Schema URNs compare case-insensitively (RFC 7643 §2.1 attribute names and URNs)."""
    lowered = urn.lower()
    return next((s for s in SCHEMAS.values() if s.id.lower() == lowered), None)
