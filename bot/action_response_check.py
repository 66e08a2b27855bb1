"""Rasa 3.6 checks every action server response against its JSON schema with
``jsonschema.validate``, which first re-checks the schema itself against the 2020-12 meta-schema.
That meta-schema check is 18-24 ms of the Rasa server's single event loop per custom action on a
2-core CPU (20% of its time under bench/desk_load.py, found with py-spy), for a schema that is a
constant of Rasa. ``install`` makes Rasa check the schema once and keep its validator: responses
are still validated, with the same best-match error and message as before.

Installed by ``bot.components`` (which Rasa imports when it loads the model). Any other Rasa
version is left alone, so an upgrade cannot silently skip the validation.
"""
from __future__ import annotations

import functools
import logging
from typing import Any

import rasa
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

logger = logging.getLogger(__name__)

PATCHED_RASA_SERIES = "3.6."
_MARK = "_daofu_cached_validator"


@functools.lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of Rasa's action response schema, the schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    # The same message Rasa's own check gives, so logs and docs still match.
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> bool:
    """Use the cached validator in Rasa's RemoteAction; True when it is (now or already) in use."""
    current = getattr(RemoteAction, "_validate_action_result", None)
    if getattr(current, _MARK, False):
        return True
    if current is None or not rasa.__version__.startswith(PATCHED_RASA_SERIES):
        logger.info("Rasa %s: action responses are checked by Rasa's own code", rasa.__version__)
        return False
    setattr(_validate_action_result, _MARK, True)
    RemoteAction._validate_action_result = _validate_action_result
    return True
