"""Email: every message is a row in its organisation's schema and is sent by a job.

services.py queues a message (the row and its job, in the caller's transaction); sending.py
is the job, which renders the message from templates and sends it exactly once (see there).
"""
