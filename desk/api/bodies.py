"""Request bodies of the staff API. Each refuses fields it does not know (``extra="forbid"``): a
misspelt field is a 422 naming it, never silently dropped (desk/api/errors.py words the answer)."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# The largest row number SQLite and PostgreSQL store (signed 64-bit); beyond it a query raises.
MAX_ROW_ID = 2**63 - 1
# A row number in a request body: out of range is a 422 naming the field, not a database error.
BodyRecordId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(RequestBody):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class ReplyBody(RequestBody):
    text: str = Field(min_length=1, max_length=4000)


class TransferBody(RequestBody):
    staff_id: BodyRecordId


class AnswerBody(RequestBody):
    answer: str = Field(min_length=1, max_length=4000)
