"""Size limits of campaign inputs: every one is refused with a clear message past these."""

NAME_MAX = 200
AUDIENCE_MAX = 2_000  # characters of the SCIM filter expression
STEPS_MAX = 30
OFFSET_DAYS_MAX = 3_650
DUE_DAYS_MAX = 365
SUBJECT_MAX = 200
BODY_MAX = 10_000
REMIND_DAYS_MAX = 90
PREVIEW_PEOPLE = 20
RUN_BATCH = 200  # people per transaction when a step runs
DUE_READ_MAX = 10_000  # people read as due at once per step, then run RUN_BATCH at a time
