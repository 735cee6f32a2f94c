"""Size limits on everything an admin or a learner sends to learning (each has a clear 400).

One place, so the console, the API and the tests agree on them.
"""

TITLE_MAX = 200
DESCRIPTION_MAX = 2_000
MARKDOWN_MAX = 20_000  # characters of one text element's source
URL_MAX = 2_000
THEMES_PER_WORKSPACE_MAX = 50
ELEMENTS_PER_RESOURCE_MAX = 50
QUESTIONS_PER_QUIZ_MAX = 50
OPTIONS_PER_QUESTION_MAX = 10
QUESTION_TEXT_MAX = 1_000
OPTION_TEXT_MAX = 500
RESOURCES_PER_PATHWAY_MAX = 100
DUE_DAYS_MAX = 3_650
ACCESS_ENTRIES_PER_WORKSPACE_MAX = 500
SHARES_PER_REQUEST_MAX = 100
