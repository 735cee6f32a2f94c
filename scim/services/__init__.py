"""Writes for SCIM, by concern: tokens, recording events, user writes, group writes.

User and group writes only translate the protocol into the action layer
(accounts.services); the rules live there.
"""

from scim.services.events import (
    event_record,
    event_submit,
    events_prune,
    rejected_request_count,
    rejection_reason,
)
from scim.services.groups import (
    scim_group_create,
    scim_group_delete,
    scim_group_patch,
    scim_group_replace,
)
from scim.services.tokens import (
    TOKEN_PREFIX,
    TokenNameTaken,
    token_actor,
    token_authenticate,
    token_create,
    token_hash,
    token_reset,
    token_revoke,
)
from scim.services.users import (
    precondition_check,
    scim_user_create,
    scim_user_delete,
    scim_user_patch,
    scim_user_replace,
)

__all__ = [
    "TOKEN_PREFIX",
    "TokenNameTaken",
    "event_record",
    "event_submit",
    "events_prune",
    "precondition_check",
    "rejected_request_count",
    "rejection_reason",
    "scim_group_create",
    "scim_group_delete",
    "scim_group_patch",
    "scim_group_replace",
    "scim_user_create",
    "scim_user_delete",
    "scim_user_patch",
    "scim_user_replace",
    "token_actor",
    "token_authenticate",
    "token_create",
    "token_hash",
    "token_reset",
    "token_revoke",
]
