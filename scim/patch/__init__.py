"""The SCIM PATCH engine: Microsoft Entra ID's two dialects, Okta's and RFC 7644 §3.5.2.

`patch_apply(document, body, resource="User")` returns a PatchResult (the patched copy of
the document, and MemberChanges for a Group, whose document never lists members) or
raises ScimError, with nothing applied. `patch_members_only(body)` recognises a Group PATCH
that only adds and removes members.
"""

from scim.patch.engine import PATCH_OP_SCHEMA, PatchResult, patch_apply, patch_members_only
from scim.patch.members import MemberChanges

__all__ = [
    "PATCH_OP_SCHEMA",
    "MemberChanges",
    "PatchResult",
    "patch_apply",
    "patch_members_only",
]
