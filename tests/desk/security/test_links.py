"""Issue 13 item 11: links in knowledge records must be http(s) addresses, checked by the server."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from desk.security.links import bad_link
from tests.desk.test_knowledge_api import editor_client, upload  # noqa: F401  (fixture)

BAD = ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
       "vbscript:msgbox", "//evil.example/x", "ftp://files.example/a", "https://", "http://ex ample.cn/"]
GOOD = ["", "https://www.gdzwfw.gov.cn/portal/guide/11440000MB2C92468K", "http://example.cn/办事指南?id=1"]


@pytest.mark.parametrize("value", BAD)
def test_bad_links(value: str) -> None:
    assert bad_link(value)


@pytest.mark.parametrize("value", GOOD)
def test_good_links(value: str) -> None:
    assert not bad_link(value)


def test_an_edited_item_with_a_script_link_is_refused(editor_client: TestClient) -> None:  # noqa: F811 - the fixture imported above
    body = {"name": "测试事项", "department": "测试局", "url": "javascript:alert(1)"}
    response = editor_client.put("/api/kb/items/SEC1", json=body)
    assert response.status_code == 422 and "http" in response.json()["detail"]
    assert editor_client.get("/api/kb/records/SEC1").status_code == 404
    response = editor_client.put("/api/kb/items/SEC1", json={**body, "url": "https://www.gd.gov.cn/guide"})
    assert response.status_code == 200, response.text


def test_an_uploaded_catalog_with_a_script_link_changes_nothing(editor_client: TestClient) -> None:  # noqa: F811 - the fixture imported above
    rows = [{"TASK_CODE": "SEC2", "TASK_NAME": "安全测试事项", "DEPT_NAME": "测试局", "URL": "https://www.gd.gov.cn/a"},
            {"TASK_CODE": "SEC3", "TASK_NAME": "另一个事项", "DEPT_NAME": "测试局", "URL": "javascript:alert(1)"}]
    content = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    response = upload(editor_client, "catalog.jsonl", content, "catalog")
    assert response.status_code == 422, response.text
    assert [p["record"] for p in response.json()["problems"]] == ["SEC3"]
    assert [v["number"] for v in editor_client.get("/api/kb/versions").json()] == [1]
