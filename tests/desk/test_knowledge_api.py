"""Editor API: uploads with validation, edits, versions and audit log, restore, re-index, try-it, publish.

Re-index jobs build in process with the fast test encoder (the real jobs run the same
``build_index`` in a child process; the browser test covers that path).
"""
from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.reindex import ReindexJob
from desk.settings import DeskSettings
from indexer.build import build_index
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from indexer.store import IndexStore
from indexer.workspace import KnowledgeWorkspace
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa
from tests.fakes import CharacterEncoder

POLICY_TEXT = ("关于支持小微企业数字化转型的若干措施\n济政办发〔2026〕18号\n"
               "一、对小微企业数字化改造项目给予补贴，数字化改造补贴最高50万元。\n二、申报时间为每年3月。")
QUESTION = "数字化改造补贴最高多少"


@pytest.fixture()
def editor_client(desk_settings: DeskSettings, settings: IndexerSettings, encoder: CharacterEncoder) -> Iterator[TestClient]:
    workspace = KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)
    build_index(settings, knowledge=workspace.knowledge(1), encoder=encoder, kb_version=1)

    async def builder(job: ReindexJob, notify: Any) -> None:
        knowledge = workspace.knowledge(job.kb_version)
        job.stage, job.total = "embed", 1
        await notify()
        result = await asyncio.to_thread(build_index, settings, None, knowledge, encoder, False, job.kb_version)
        job.index_version, job.done = result.version.name, 1

    knowledge = SearchService(settings, encoder=encoder)
    migrate(desk_settings.database_url)
    app = create_app(desk_settings, rasa=ScriptedRasa(), knowledge=knowledge, index_builder=builder)  # type: ignore[arg-type]
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "editor", "password-editor", "editor", "编辑小张")
        create_staff(session, "alice", "password-alice", "staff", "王小丽")
    with console_client(app) as client:
        response = client.post("/api/login", json={"username": "editor", "password": "password-editor"})
        assert response.status_code == 200
        yield client


def wait_for_job(client: TestClient, status: str = "ready") -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.get("/api/kb/jobs/latest").json()
        if job and job["status"] in (status, "failed", "published"):
            assert job["status"] == status, job
            return job
        time.sleep(0.05)
    raise AssertionError("the re-index job did not finish")


def upload(client: TestClient, name: str, content: bytes, kind: str = "policy") -> Any:
    return client.post("/api/kb/upload", data={"kind": kind}, files={"file": (name, io.BytesIO(content))})


def docx_bytes(text: str) -> bytes:
    from docx import Document

    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_upload_try_publish_and_restore(editor_client: TestClient, settings: IndexerSettings) -> None:
    client = editor_client
    served_before = IndexStore(settings.index_dir).current_name()
    response = upload(client, "数字化转型措施.docx", docx_bytes(POLICY_TEXT))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["added"] == ["数字化转型措施"] and body["version"]["number"] == 2
    job = wait_for_job(client)
    assert IndexStore(settings.index_dir).current_name() == served_before  # nothing served changes yet

    tried = client.post("/api/kb/try", json={"question": QUESTION}).json()
    assert tried["served"]["kb_version"] == 1 and tried["candidate"]["kb_version"] == 2
    assert all(hit["id"] != "数字化转型措施" for hit in tried["served"]["hits"])
    assert tried["candidate"]["hits"][0]["id"] == "数字化转型措施"
    assert tried["candidate"]["messages"] and tried["candidate"]["messages"][0]["text"]

    assert client.post("/api/kb/publish", json={"job_id": job["id"]}).json()["kb_version"] == 2
    assert IndexStore(settings.index_dir).current_name() == job["index_version"]
    assert client.post("/api/kb/try", json={"question": QUESTION}).json()["served"]["hits"][0]["id"] == "数字化转型措施"

    restored = client.post("/api/kb/versions/1/restore").json()
    assert restored["version"]["number"] == 3 and restored["job"]["publish_when_ready"]
    wait_for_job(client, "published")
    served = client.post("/api/kb/try", json={"question": QUESTION}).json()["served"]
    assert served["kb_version"] == 3 and all(hit["id"] != "数字化转型措施" for hit in served["hits"])
    log = client.get("/api/kb/versions").json()
    assert [(v["number"], v["author"]) for v in log] == [(3, "编辑小张"), (2, "编辑小张"), (1, "system")]
    assert log[0]["published"] and log[0]["changes"][0]["action"] == "restore"


def test_malformed_uploads_change_nothing(editor_client: TestClient) -> None:
    client = editor_client
    cases = [
        ("坏文件.pdf", b"%PDF-1.4 garbage that is not a pdf", "policy"),
        ("policy.exe", b"MZ...", "policy"),
        ("../escape.txt", "标题\n正文正文正文正文正文正文".encode(), "policy"),
        ("empty.txt", b"", "policy"),
        ("catalog.csv", "事项名称,实施部门\n没有编码的事项,某局\n".encode(), "catalog"),
    ]
    for name, content, kind in cases:
        response = upload(client, name, content, kind)
        assert response.status_code == 422, (name, response.text)
        body = response.json()
        assert body["detail"] and body["problems"], body
    assert upload(client, "x.txt", b"x", "video").status_code == 422
    assert [v["number"] for v in client.get("/api/kb/versions").json()] == [1]
    assert client.get("/api/kb/jobs/latest").json() is None


def test_upload_size_limit(editor_client: TestClient, desk_settings: DeskSettings) -> None:
    too_big = b"a" * (desk_settings.max_upload_mb * 1024 * 1024 + 1)
    response = upload(editor_client, "big.txt", too_big)
    assert response.status_code == 422 and "超过上限" in response.json()["detail"]


def test_edit_item_and_policy_dates_and_delete(editor_client: TestClient) -> None:
    client = editor_client
    items = client.get("/api/kb/records", params={"kind": "item"}).json()
    assert items["total"] == 15
    item_id = items["records"][0]["id"]
    detail = client.get(f"/api/kb/records/{item_id}").json()
    assert detail["record"]["name"] and detail["chunks"][0]["text"]
    edited = client.put(f"/api/kb/items/{item_id}", json={"promised_time_limit": "1个工作日", "materials": ["申请书", "营业执照"]})
    assert edited.status_code == 200, edited.text
    assert client.get(f"/api/kb/records/{item_id}").json()["record"]["materials"] == ["申请书", "营业执照"]
    assert client.put(f"/api/kb/items/{item_id}", json={"name": ""}).status_code == 422

    # Issuer, number and date the build found in the text are shown where editors left them empty.
    found = client.get("/api/kb/records", params={"kind": "policy", "q": "粤府办〔2020〕12号"}).json()["records"]
    assert [row["doc_number"] for row in found] == ["粤府办〔2020〕12号"] and found[0]["department"]
    policy_id = client.get("/api/kb/records", params={"kind": "policy"}).json()["records"][0]["id"]
    bad = client.put(f"/api/kb/policies/{policy_id}", json={"expiry_date": "2020-13-40"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["detail"]
    assert client.put(f"/api/kb/policies/{policy_id}", json={"effective_date": "2021-01-01", "expiry_date": "2020-01-01"}).status_code == 422
    assert client.put(f"/api/kb/policies/{policy_id}", json={"expiry_date": "2020-06-30", "doc_number": "测发〔2020〕1号"}).status_code == 200
    expired = client.get("/api/kb/records", params={"kind": "policy", "validity": "expired"}).json()
    assert [r["id"] for r in expired["records"]] == [policy_id] and expired["records"][0]["expired"]
    assert client.delete(f"/api/kb/records/{item_id}").status_code == 200
    assert client.get(f"/api/kb/records/{item_id}").status_code == 404
    log = client.get("/api/kb/versions").json()
    assert [c["action"] for v in log[:3] for c in v["changes"]] == ["delete", "replace", "replace"]


def test_faq_entries_are_answered_after_publishing(editor_client: TestClient) -> None:
    client = editor_client
    item_id = client.get("/api/kb/records", params={"kind": "item"}).json()["records"][0]["id"]
    assert client.post("/api/kb/faqs", json={"question": "", "answer": "x"}).status_code == 422
    assert client.post("/api/kb/faqs", json={"question": "问", "answer": "答", "item_id": "nope"}).status_code == 422
    created = client.post("/api/kb/faqs", json={"question": "营业执照丢了怎么补办", "variants": ["执照遗失补领"],
                                                 "answer": "先登报声明作废，再到登记机关申请补领。", "item_id": item_id})
    assert created.status_code == 200, created.text
    job = wait_for_job(client)
    client.post("/api/kb/publish", json={"job_id": job["id"]})
    served = client.post("/api/kb/try", json={"question": "营业执照丢了怎么补办"}).json()["served"]
    assert served["hits"][0]["kind"] == "faq" and served["level"] == "high"
    assert "先登报声明作废" in served["messages"][0]["text"] and served["messages"][1]["custom"]["item_card"]["id"] == item_id


def test_publish_needs_a_finished_job_and_roles_are_checked(editor_client: TestClient) -> None:
    client = editor_client
    assert client.post("/api/kb/publish", json={"job_id": 99}).status_code == 404
    client.post("/api/logout")
    assert client.get("/api/kb/versions").status_code == 401
    client.post("/api/login", json={"username": "alice", "password": "password-alice"})
    assert client.get("/api/kb/versions").status_code == 403
    assert upload(client, "a.txt", "标题\n正文正文正文正文正文正文".encode()).status_code == 403


COMPANY = "11440000MB2D0234372440125017008"  # 内资有限责任公司设立登记 (fixture catalog)
FOOD_LICENCE = "11440000MB2D0234372442125080000"  # 食品经营许可查询


def test_bundles_are_listed_with_their_steps(editor_client: TestClient) -> None:
    client = editor_client
    listed = client.get("/api/kb/records", params={"kind": "bundle"}).json()
    assert {r["title"] for r in listed["records"]} == {"开餐馆", "企业注销"}
    assert client.get("/api/kb/records", params={"q": "开饭店"}).json()["records"][0]["id"] == "bundle-restaurant"
    detail = client.get("/api/kb/records/bundle-restaurant").json()
    assert detail["kind"] == "bundle"
    assert [s["title"] for s in detail["record"]["steps"]] == ["内资有限责任公司设立登记", "食品经营许可查询"]
    assert [c["text"] for c in detail["chunks"]][:2] == ["开餐馆", "开饭店要办什么证"]


def test_a_bundle_with_an_unknown_item_is_refused_in_chinese(editor_client: TestClient) -> None:
    client = editor_client
    bad = {"name": "开便利店", "steps": [{"item_id": COMPANY}, {"item_id": "11440000NOSUCHITEM", "note": "x"}]}
    response = client.post("/api/kb/bundles", json=bad)
    assert response.status_code == 422
    body = response.json()
    assert "第 2 步的事项编码 11440000NOSUCHITEM 不在知识库中" in body["detail"]
    assert body["problems"][0]["reason"].startswith("一件事“开便利店”第 2 步")
    assert client.post("/api/kb/bundles", json={"name": "没有步骤", "steps": []}).status_code == 422
    assert client.put("/api/kb/bundles/bundle-restaurant", json={"name": "开餐馆", "steps": ["nope"]}).status_code == 422
    assert client.put("/api/kb/bundles/no-such-bundle", json={"name": "x", "steps": [COMPANY]}).status_code == 404
    lines = '{"id": "b-up", "name": "上传的一件事", "steps": [{"item_id": "11440000NOSUCHITEM"}]}\n'
    response = upload(client, "bundles.jsonl", lines.encode(), "bundle")
    assert response.status_code == 422 and "不在知识库中" in response.json()["problems"][0]["reason"]
    # An item a bundle uses cannot be deleted while the bundle uses it.
    response = client.delete(f"/api/kb/records/{FOOD_LICENCE}")
    assert response.status_code == 422 and "开餐馆" in response.json()["detail"]
    assert [v["number"] for v in client.get("/api/kb/versions").json()] == [1]  # nothing changed


def test_a_new_bundle_is_answered_after_publishing(editor_client: TestClient) -> None:
    client = editor_client
    created = client.post("/api/kb/bundles", json={
        "name": "开便利店", "variants": "开小卖部要办什么证\n开个小超市要办啥", "intro": "",
        "steps": [{"item_id": COMPANY, "note": "先办执照"}, {"item_id": FOOD_LICENCE, "note": "卖散装食品才需要"}],
        "outside_catalog": ["烟草专卖零售许可证（烟草专卖局）"]})
    assert created.status_code == 200, created.text
    bundle_id = created.json()["id"]
    job = wait_for_job(client)
    client.post("/api/kb/publish", json={"job_id": job["id"]})
    served = client.post("/api/kb/try", json={"question": "开小卖部要办什么证"}).json()["served"]
    assert served["hits"][0] == {"id": bundle_id, "kind": "bundle", "title": "开便利店", "score": served["hits"][0]["score"]}
    (message,) = served["messages"]
    assert [s["title"] for s in message["custom"]["bundle"]["steps"]] == ["内资有限责任公司设立登记", "食品经营许可查询"]
    assert [b["title"] for b in message["buttons"]] == ["内资有限责任公司设立登记", "食品经营许可查询"]
    assert "烟草专卖零售许可证" in message["text"]
    edited = client.put(f"/api/kb/bundles/{bundle_id}", json={"name": "开便利店", "variants": ["开小卖部要办什么证"],
                                                             "steps": [{"item_id": FOOD_LICENCE}]})
    assert edited.status_code == 200, edited.text
    record = client.get(f"/api/kb/records/{bundle_id}").json()["record"]
    assert [s["item_id"] for s in record["steps"]] == [FOOD_LICENCE] and record["author"] == "编辑小张"
