"""Issue 13 item 13: schemathesis over the desk's own OpenAPI document, every operation, signed in
as an admin (who may call all of them) and sending what the consoles' browser sends: generated
requests (valid and not) never get a 500 and never an answer that contradicts the schema. The
budget is bounded (a few examples per operation), so it runs in every `make test`."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.reindex import ReindexJob
from desk.settings import DeskSettings
from indexer.build import build_index
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from tests.browser import SAME_ORIGIN, console_client
from tests.desk.conftest import ScriptedRasa
from tests.fakes import CharacterEncoder

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 8


@pytest.fixture()
def desk_app(desk_settings: DeskSettings, built_index: IndexerSettings, encoder: CharacterEncoder) -> Iterator[Any]:
    async def builder(job: ReindexJob, notify: Any) -> None:  # re-index jobs build in process, quickly
        job.index_version = build_index(built_index, encoder=encoder, publish=False).version.name

    migrate(desk_settings.database_url)
    app = create_app(desk_settings, rasa=ScriptedRasa(), knowledge=SearchService(built_index, encoder=encoder),  # type: ignore[arg-type]
                     index_builder=builder)
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "admin", "password-admin", "admin", "管理员")
    with console_client(app) as client:
        answer = client.post("/api/login", json={"username": "admin", "password": "password-admin"})
        assert answer.status_code == 200, answer.text
        app.state.fuzz_headers = {**SAME_ORIGIN, "Cookie": f"daofu_session={answer.cookies['daofu_session']}"}
        yield app


def test_no_server_errors_and_no_schema_violations(desk_app: Any) -> None:
    # Driven with hypothesis directly: schemathesis' pytest plugin does not work with pytest 9.
    schema = schemathesis.openapi.from_asgi("/openapi.json", desk_app)
    tried: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        if name == "POST /api/logout":  # would end the session every later example uses
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck),
                      database=None)
            def call(case: Any) -> None:
                case.call_and_validate(headers=desk_app.state.fuzz_headers,
                                       checks=[not_a_server_error, response_schema_conformance])

            try:
                call()
            except Unsatisfiable:  # nothing to get wrong: the operation takes no parameters or body
                continue
            except Exception as error:
                raise AssertionError(f"{name} ({mode.value}): {error}") from error
        tried.append(name)
    assert len(tried) >= 50, tried  # every operation of the desk, not a subset that happened to load
