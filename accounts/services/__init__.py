"""The action layer for organisations, people and groups (DESIGN §8, docs/architecture.md).

Every change to people, groups and memberships goes through these functions, whoever
asks: the console, SCIM, Microsoft sign-in, commands. Each takes its `actor`
(accounts.actors) and owns, once: the version and lastModified bump, ending sessions where
access is lost, the last-active-admin rule, the audit entry, and the hook (accounts.hooks).
"""

from accounts.services.admins import admins_lock, last_admin_check
from accounts.services.audit import audit_record
from accounts.services.errors import (
    LastActiveAdmin,
    NotAUserHere,
    OrganisationExists,
    Refused,
    UserNameTaken,
)
from accounts.services.groups import (
    group_create,
    group_delete,
    group_members_add,
    group_members_change,
    group_members_remove,
    group_members_replace,
    group_rename,
    group_update,
)
from accounts.services.identity import (
    IdentityTaken,
    identities_unlink_all,
    user_identity_link,
    user_identity_unlink,
)
from accounts.services.organisations import (
    organisation_create,
    organisation_entra_bind,
    organisation_entra_unbind,
    organisation_host,
    organisation_microsoft_set,
    organisation_sign_in_creation_set,
    organisation_time_zone_set,
)
from accounts.services.roles import user_role_set
from accounts.services.users import (
    CONSOLE_EDITABLE_FIELDS,
    user_create,
    user_deactivate,
    user_delete,
    user_reactivate,
    user_update,
    user_write,
)

__all__ = [
    "CONSOLE_EDITABLE_FIELDS",
    "IdentityTaken",
    "LastActiveAdmin",
    "NotAUserHere",
    "OrganisationExists",
    "Refused",
    "UserNameTaken",
    "admins_lock",
    "audit_record",
    "group_create",
    "group_delete",
    "group_members_add",
    "group_members_change",
    "group_members_remove",
    "group_members_replace",
    "group_rename",
    "group_update",
    "identities_unlink_all",
    "last_admin_check",
    "organisation_create",
    "organisation_entra_bind",
    "organisation_entra_unbind",
    "organisation_host",
    "organisation_microsoft_set",
    "organisation_time_zone_set",
    "organisation_sign_in_creation_set",
    "user_create",
    "user_deactivate",
    "user_delete",
    "user_identity_link",
    "user_identity_unlink",
    "user_reactivate",
    "user_role_set",
    "user_update",
    "user_write",
]
