"""The PostgreSQL backend: django-tenants' schema-per-organisation backend, refined."""
