"""Background jobs: procrastinate on Looop's own PostgreSQL.

Tasks that work on an organisation's data are declared with `organisation_task` and deferred
with `organisation_defer` (looop/jobs/tenancy.py); periodic housekeeping is in tasks.py.
"""
