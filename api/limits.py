"""Limits of the API's own inputs. Learning's content limits are in learning.limits; the
body size is settings.API_MAX_BODY_BYTES."""

TOKEN_PREFIX = "looop_api_"
TOKEN_NAME_MAX = 100
TOKEN_SECRET_MAX = 200  # longer Authorization values are refused before hashing
TOKENS_PER_PERSON_MAX = 50  # active tokens one person may hold
PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
