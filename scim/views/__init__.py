"""SCIM 2.0 endpoints. Each module is short; `base.ScimView` holds the shared behaviour."""
