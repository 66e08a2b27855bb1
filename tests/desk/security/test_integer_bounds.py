"""Every whole number a request can carry (path, query, body) has an upper bound in the OpenAPI
document, at most the 64-bit row range: SQLite and PostgreSQL raise on a larger one, which was a 500
the fuzzer found (a re-index job number of 2**63). Checked on the schema, so a new field without a
bound fails here on every run instead of when the fuzzer happens to draw a large number."""
from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from desk.api.bodies import MAX_ROW_ID
from tests.desk.conftest import login

# Numbers that never reach SQL, each checked by its handler with an answer in Chinese.
CHECKED_BY_HANDLER = {
    "GET /api/kb/records query offset",  # slices a list in memory
    "GET /api/kb/records query limit",  # 1..200, refused by the handler
    "PATCH /api/appointments/locations/{location_id} body capacity",  # 1..200, refused by the appointment service
}


def _integers(schema: Any, components: dict[str, Any], where: str, seen: frozenset[str] = frozenset()) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(schema, list):
        return [found for part in schema for found in _integers(part, components, where, seen)]
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else _integers(components[name], components, where, seen | {name})
    found = [(where, schema)] if schema.get("type") == "integer" else []
    for key, value in schema.items():
        if key == "properties":
            for field, sub in value.items():
                found += _integers(sub, components, f"{where} {field}" if where.endswith("body") else where, seen)
        elif isinstance(value, dict | list):
            found += _integers(value, components, where, seen)
    return found


def request_integers(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    components = document.get("components", {}).get("schemas", {})
    found: list[tuple[str, dict[str, Any]]] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                found += _integers(parameter.get("schema", {}), components, f"{name} {parameter['in']} {parameter['name']}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                found += _integers(media.get("schema", {}), components, f"{name} body")
    return found


def test_every_request_integer_is_bounded(client: TestClient) -> None:
    integers = request_integers(client.app.openapi())  # type: ignore[attr-defined]
    assert len(integers) >= 20  # the walk reaches path, query and body numbers
    # float(): a body's bound is written as a JSON float, which rounds 2**63 - 1 up to 2**63.
    unbounded = sorted({where for where, schema in integers if where not in CHECKED_BY_HANDLER
                        and ("maximum" not in schema or schema["maximum"] > float(MAX_ROW_ID))})
    assert unbounded == []
    exempt = {where for where, _schema in integers} & CHECKED_BY_HANDLER
    assert exempt == CHECKED_BY_HANDLER  # an exemption whose field went away is removed here too


def test_a_job_number_beyond_64_bits_is_a_422(client: TestClient) -> None:
    editor = login(client, "admin")
    answer = editor.post("/api/kb/publish", json={"job_id": MAX_ROW_ID + 1})
    assert answer.status_code == 422, answer.text
    assert "job_id" in answer.text
