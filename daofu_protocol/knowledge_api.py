"""The action server's knowledge routes as both sides spell them: the desk asks its host's action
server for searches instead of loading its own copy of the model and index (README "Memory").
``actions/knowledge_api.py`` serves them, ``desk/knowledge_client.py`` calls them.

Every route wants ``Authorization: Bearer <DAOFU_SEARCH_TOKEN>`` when the action server has a token.
Answers are JSON; a refusal is ``{"error": "<Chinese message>"}`` with 400 (bad input), 401 (no or
wrong token) or 503 (the index or the model is not ready: the message says what to run).
"""
from __future__ import annotations

# POST {"query": str, "k": int, "kind": str | null, "department": str | null}
#   -> SearchResult.to_dict(with_record=True) (indexer/records.py)
SEARCH_PATH = "/knowledge/search"
# GET ?id=<record id> -> {"record": Record.to_dict() | null}
RECORD_PATH = "/knowledge/record"
# POST {"texts": [str, ...]} (already prefixed, as Encoder.encode takes them)
#   -> {"model": model_id, "dimension": int, "count": int, "vectors": base64 of count x dimension VECTOR_FORMAT}
# An empty list answers the model alone (what the desk's clustering thresholds depend on).
ENCODE_PATH = "/knowledge/encode"
# GET -> the served index version's manifest.json (version, kb_version, model, counts ...)
MANIFEST_PATH = "/knowledge/manifest"

# Little-endian float32, row after row: exact, and a quarter of the size of a JSON list of numbers.
VECTOR_FORMAT = "<f4"

# Bounds of one request; the desk's client keeps within them (it truncates and splits).
MAX_K = 50
# Longer than the search ever reads (DAOFU_MAX_QUERY_CHARS, 512 by default, of at most 4 times as
# many raw characters); the client truncates to it.
MAX_QUERY_CHARS = 8000
MAX_DEPARTMENT_CHARS = 200
MAX_RECORD_ID_CHARS = 300
MAX_ENCODE_TEXTS = 256
# The model reads at most 512 tokens (indexer.embedding.MAX_TOKENS), about one a Chinese character:
# cutting at 4,000 characters changes a vector only where 512 tokens average more than 7.8 characters.
MAX_ENCODE_CHARS = 4000
