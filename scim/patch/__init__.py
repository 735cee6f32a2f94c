"""The SCIM PATCH engine: Microsoft Entra ID's two dialects, Okta's and RFC 7644 §3.5.2.

`patch_apply(document, body, resource="User")` returns a PatchResult (the patched copy of
the document, and MemberChanges for a Group, whose document never lists members) or
raises ScimError, with nothing applied.
"""

from scim.patch.engine import PATCH_OP_SCHEMA, PatchResult, patch_apply
from scim.patch.members import MemberChanges

__all__ = ["PATCH_OP_SCHEMA", "MemberChanges", "PatchResult", "patch_apply"]
