"""The registry of SCIM attributes (RFC 7643 §4, §8.7): what each one is and where it lives.

Every fact about an attribute is declared here once: its name, type, mutability and
multi-valuedness (what /Schemas serves), and its storage (the model column, the JSON list,
the membership rows). The filter → Q translator (scim.filters.attributes), the PATCH
targets (scim.patch.targets), the renderers and document readers (scim.users, scim.groups,
scim.user_json) all derive from it, so adding a stored attribute touches this file (and the
model that stores it).

Only attributes that Looop stores are declared, so discovery tells the truth: a client that
reads /Schemas (scim2-tester does) only sends what comes back unchanged. The module is
mostly that declaration, one entry per attribute, which is why it is kept whole.
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
    # Storage (not part of /Schemas). `column`: the model field holding the value; for a
    # multi-valued complex attribute, a JSON list of its elements as the client sent them.
    column: str | None = None
    uuid: bool = False  # the column holds a resource id: filters compare ids, not text
    # Multi-valued, kept as a JSON list: the primary (or first) value's own column, for
    # lookups and sortBy, and the sub-attributes whose `eq` the GIN index on the list serves.
    primary_column: str | None = None
    indexed: tuple[str, ...] = ()
    # Values are `accounts.Membership` rows; the membership column naming this resource.
    link: str | None = None
    # A reference's value that names no resource here, kept as sent (enterprise manager).
    unresolved_column: str | None = None

    @property
    def kind(self) -> str:
        """How filters compare values: "string", "boolean", "datetime" or "uuid"."""
        if self.uuid:
            return "uuid"
        return {"boolean": "boolean", "dateTime": "datetime"}.get(self.type, "string")

    @property
    def is_reference(self) -> bool:
        """A singular complex attribute holding a reference, like `manager` ({value, $ref})."""
        return (
            self.type == "complex"
            and not self.multi_valued
            and self.sub("value") is not None
            and self.sub("$ref") is not None
        )

    @property
    def writable(self) -> bool:
        return self.mutability != "readOnly"

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


def _string(name: str, description: str, column: str | None = None, **kwargs: Any) -> Attribute:
    return Attribute(name=name, description=description, column=column, **kwargs)


def _typed_values(
    name: str,
    description: str,
    kinds: tuple[str, ...],
    *,
    column: str,
    display: bool = True,
    **storage: Any,
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
        name,
        "complex",
        multi_valued=True,
        description=description,
        sub_attributes=tuple(subs),
        column=column,
        **storage,
    )


# RFC 7643 §3.1: common attributes, part of every resource but of no schema's attribute list.
COMMON_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("id", mutability="readOnly", case_exact=True, column="id", uuid=True),
    Attribute("externalId", case_exact=True, column="external_id"),
    Attribute("schemas", "reference", multi_valued=True, mutability="readOnly"),
    Attribute(
        "meta",
        "complex",
        mutability="readOnly",
        sub_attributes=(
            Attribute("resourceType", mutability="readOnly"),
            Attribute("created", "dateTime", mutability="readOnly", column="created"),
            Attribute("lastModified", "dateTime", mutability="readOnly", column="last_modified"),
            Attribute("location", mutability="readOnly"),
            Attribute("version", mutability="readOnly"),
        ),
    ),
)

NAME = Attribute(
    "name",
    "complex",
    description="The components of the user's real name.",
    sub_attributes=(
        _string("formatted", "The full name, formatted for display.", "name_formatted"),
        _string("familyName", "The family name (last name).", "name_family"),
        _string("givenName", "The given name (first name).", "name_given"),
        _string("middleName", "The middle name(s).", "name_middle"),
        _string(
            "honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'.", "name_honorific_prefix"
        ),
        _string(
            "honorificSuffix", "The honorific suffix(es), e.g. 'III'.", "name_honorific_suffix"
        ),
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
    column="addresses",
)

USER_GROUPS = Attribute(
    "groups",
    "complex",
    multi_valued=True,
    description="The groups the user belongs to (read-only; change members on the group).",
    mutability="readOnly",
    sub_attributes=(
        _string(
            "value", "The identifier of the group.", "group_id", mutability="readOnly", uuid=True
        ),
        Attribute(
            "$ref",
            "reference",
            description="The URI of the group.",
            reference_types=("Group",),
            mutability="readOnly",
        ),
        _string(
            "display", "The group's display name.", "group__display_name", mutability="readOnly"
        ),
        _string(
            "type",
            "How the membership was obtained.",
            canonical_values=("direct",),
            mutability="readOnly",
        ),
    ),
    link="user",
)

USER = Schema(
    id=USER_SCHEMA,
    name="User",
    description="User Account",
    attributes=(
        _string(
            "userName",
            "Unique identifier for the user, typically used to sign in.",
            "user_name",
            required=True,
            uniqueness="server",
        ),
        NAME,
        _string("displayName", "The name of the user, suitable for display.", "display_name"),
        _string("nickName", "The casual way to address the user.", "nick_name"),
        Attribute(
            "profileUrl",
            "reference",
            description="A URI of the user's online profile.",
            reference_types=("external",),
            column="profile_url",
        ),
        _string("title", "The user's title, such as 'Vice President'.", "title"),
        _string("userType", "The relationship to the organisation, e.g. 'Employee'.", "user_type"),
        _string(
            "preferredLanguage",
            "The preferred written or spoken language.",
            "preferred_language",
        ),
        _string("locale", "The default location, for localising values.", "locale"),
        _string("timezone", "The time zone, in IANA format, e.g. 'Europe/Paris'.", "timezone"),
        Attribute(
            "active", "boolean", description="The user's administrative status.", column="active"
        ),
        _typed_values(
            "emails",
            "Email addresses.",
            ("work", "home", "other"),
            column="emails",
            primary_column="email",
            indexed=("value", "type"),
        ),
        _typed_values(
            "phoneNumbers",
            "Phone numbers.",
            ("work", "home", "mobile", "fax", "pager", "other"),
            column="phone_numbers",
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
        _string(
            "employeeNumber",
            "A string identifier, typically numeric or alphanumeric.",
            "employee_number",
        ),
        _string("costCenter", "The name of a cost center.", "cost_center"),
        _string("organization", "The name of an organization.", "organization"),
        _string("division", "The name of a division.", "division"),
        _string("department", "The name of a department.", "department"),
        Attribute(
            "manager",
            "complex",
            description="The user's manager.",
            sub_attributes=(
                _string(
                    "value",
                    "The id of the manager's SCIM resource.",
                    "manager_id",
                    uuid=True,
                    unresolved_column="manager_unresolved",
                ),
                Attribute(
                    "$ref",
                    "reference",
                    description="The URI of the manager's SCIM resource.",
                    reference_types=("User",),
                ),
                _string(
                    "displayName",
                    "The manager's display name.",
                    "manager__display_name",
                    mutability="readOnly",
                ),
            ),
        ),
    ),
)

GROUP = Schema(
    id=GROUP_SCHEMA,
    name="Group",
    description="Group",
    attributes=(
        _string(
            "displayName", "A human-readable name for the group.", "display_name", required=True
        ),
        Attribute(
            "members",
            "complex",
            multi_valued=True,
            description="The members of the group (users).",
            sub_attributes=(
                _string(
                    "value", "The id of the member.", "user_id", mutability="immutable", uuid=True
                ),
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
                _string(
                    "display",
                    "The member's display name.",
                    "user__display_name",
                    mutability="readOnly",
                ),
            ),
            link="group",
        ),
    ),
)

SCHEMAS: dict[str, Schema] = {s.id: s for s in (USER, ENTERPRISE_USER, GROUP)}


@dataclass(frozen=True)
class ResourceSchemas:
    """A resource type: its core schema (with the common attributes) and its extensions."""

    name: str
    core: Schema
    extensions: tuple[Schema, ...]

    @property
    def urns(self) -> tuple[str, ...]:
        return (self.core.id, *(s.id for s in self.extensions))

    def extension(self, urn: str) -> Schema | None:
        return next((s for s in self.extensions if s.id == urn), None)

    def core_attribute(self, name: str) -> Attribute | None:
        """A core or common attribute (RFC 7643 §3.1), by name ignoring case."""
        lowered = name.lower()
        return self.core.attribute(name) or next(
            (a for a in COMMON_ATTRIBUTES if a.name.lower() == lowered), None
        )


RESOURCES: dict[str, ResourceSchemas] = {
    "User": ResourceSchemas("User", USER, (ENTERPRISE_USER,)),
    "Group": ResourceSchemas("Group", GROUP, ()),
}


def schema_get(urn: str) -> Schema | None:
    """Schema URNs compare case-insensitively (RFC 7643 §2.1 attribute names and URNs)."""
    lowered = urn.lower()
    return next((s for s in SCHEMAS.values() if s.id.lower() == lowered), None)
