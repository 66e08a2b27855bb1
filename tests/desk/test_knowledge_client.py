"""The desk's searches asked of the action server (desk/knowledge_client.py): the client against
rasa-sdk's real app with the knowledge routes on a loopback port (tests/action_server.py), over the
small fixture index and the test encoder, and the desk's own routes through it."""
from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from desk.api.gaps import group_questions
from desk.app import _LazyKnowledge, create_app, served_knowledge
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.errors import DeskError
from desk.knowledge_client import RemoteEncoder, RemoteKnowledge, SearchUnavailable
from desk.knowledge_gaps import GapQuestion
from desk.reindex import ReindexJob
from desk.settings import DeskSettings
from indexer.build import build_index
from indexer.errors import ConfigurationError
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeWorkspace
from tests.action_server import free_port, knowledge_app, serving
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, login
from tests.desk.test_knowledge_api import POLICY_TEXT, QUESTION, docx_bytes, upload, wait_for_job
from tests.fakes import CharacterEncoder

TOKEN = "desk-search-token"


@pytest.fixture()
def action_server(service: SearchService) -> Iterator[str]:
    with serving(knowledge_app(service, TOKEN)) as url:
        yield url


@pytest.fixture()
def remote(action_server: str, built_index: IndexerSettings) -> Iterator[RemoteKnowledge]:
    knowledge = RemoteKnowledge(action_server, TOKEN, timeout=10, settings=built_index)
    yield knowledge
    knowledge.close()


def test_search_and_record_are_the_action_servers(remote: RemoteKnowledge, service: SearchService) -> None:
    for query, kind, department in (("取水许可", None, None), ("补贴", "policy", None), ("许可", "item", "广东省水利厅")):
        expected = service.search(query, 5, kind, department)  # type: ignore[arg-type]
        found = remote.search(query, 5, kind, department)  # type: ignore[arg-type]
        assert found.hits, query
        assert [(h.id, h.kind, h.title, h.snippet, h.sources, h.record) for h in found.hits] == [
            (h.id, h.kind, h.title, h.snippet, h.sources, h.record) for h in expected.hits]
        assert [h.score for h in found.hits] == pytest.approx([h.score for h in expected.hits], abs=1e-4)
        # The corrected text travels too (社宝 -> 社保): what the search actually scored.
        assert found.searched_query and (found.level, found.normalized_query, found.searched_query) == (
            expected.level, expected.normalized_query, expected.searched_query)
    for hit in service.search("补贴", 3).hits + service.search("取水", 3).hits:
        assert remote.record(hit.id) == service.record(hit.id)
    assert remote.record("没有这个编号") is None and remote.record("") is None


def test_the_remote_encoder_gives_the_served_models_vectors(remote: RemoteKnowledge, encoder: CharacterEncoder) -> None:
    remote_encoder = remote.encoder
    assert isinstance(remote_encoder, RemoteEncoder)
    assert remote_encoder.model_id == encoder.model_id and remote_encoder.dimension == encoder.dimension
    texts = [f"query: 第{number}个问题：营业执照怎么办" for number in range(300)]  # two requests (256 at most each)
    assert np.array_equal(remote_encoder.encode(texts), encoder.encode(texts))
    assert remote_encoder.encode([]).shape == (0, encoder.dimension)
    # The desk's question clustering (gaps page, demand topics) groups exactly as with its own model.
    now = datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)
    questions = [GapQuestion(text, "unanswered", f"c{number}", now)
                 for number, text in enumerate(["房租能减免吗", "房租减免怎么申请", "社保能缓缴吗", "社保缓缴要什么材料"])]
    assert group_questions(remote, questions) == group_questions(service_with(encoder, remote.settings), questions)


def service_with(encoder: CharacterEncoder, settings: IndexerSettings) -> SearchService:
    return SearchService(settings, encoder=encoder)


def test_index_reads_the_served_versions_policies_and_passages(remote: RemoteKnowledge, service: SearchService) -> None:
    index, served = remote.index(), service.index()
    assert index.manifest == served.manifest and index.path == served.path
    assert index.policies_in_order == served.policies_in_order and index.policy_chunks == served.policy_chunks
    assert remote.index() is index  # read once per served version
    assert remote.settings.index_dir == service.settings.index_dir and remote.reload() is None


def test_a_missing_token_or_a_bad_question_is_said_in_chinese(action_server: str, built_index: IndexerSettings) -> None:
    without = RemoteKnowledge(action_server, "", timeout=10, settings=built_index)
    with pytest.raises(SearchUnavailable, match="DAOFU_SEARCH_TOKEN") as refused:  # the action server answered 401
        without.search("取水许可")
    assert refused.value.status == 503
    with pytest.raises(DeskError, match="k 必须是 1 到 50 之间的整数"):
        RemoteKnowledge(action_server, TOKEN, settings=built_index).search("取水许可", 0)


def test_an_unreachable_action_server_is_a_503_in_chinese(built_index: IndexerSettings) -> None:
    nobody = RemoteKnowledge(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=2, settings=built_index)
    for call in (lambda: nobody.search("营业执照"), lambda: nobody.record("A"), lambda: nobody.encoder,
                 nobody.index):
        with pytest.raises(SearchUnavailable, match="暂时无法连接") as error:
            call()
        assert error.value.status == 503


def test_the_setting_picks_the_client(built_index: IndexerSettings) -> None:
    assert isinstance(served_knowledge(DeskSettings()), _LazyKnowledge)
    chosen = served_knowledge(DeskSettings(search_url="http://127.0.0.1:5055/", search_token=TOKEN))
    assert isinstance(chosen, RemoteKnowledge) and chosen.base_url == "http://127.0.0.1:5055"
    assert DeskSettings.from_env({"DAOFU_DESK_SEARCH_URL": "http://127.0.0.1:5055"}).search_url == "http://127.0.0.1:5055"
    with pytest.raises(ConfigurationError, match="DAOFU_DESK_SEARCH_URL"):
        DeskSettings(search_url="127.0.0.1:5055")
    with pytest.raises(ConfigurationError, match="DAOFU_DESK_SEARCH_TIMEOUT"):
        DeskSettings(search_timeout=0)


def staff_desk(desk_settings: DeskSettings, knowledge: Any = None, builder: Any = None) -> TestClient:
    migrate(desk_settings.database_url)
    app = create_app(desk_settings, rasa=ScriptedRasa(), knowledge=knowledge, index_builder=builder)  # type: ignore[arg-type]
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "alice", "password-alice", "staff", "王小丽")
        create_staff(session, "editor", "password-editor", "editor", "编辑小张")
    return console_client(app)


def test_the_staff_knowledge_box_searches_on_the_action_server(desk_settings: DeskSettings, service: SearchService) -> None:
    port = free_port()
    # As the launcher starts a desk: the action server's URL and token from the settings.
    settings = DeskSettings(database_url=desk_settings.database_url, search_url=f"http://127.0.0.1:{port}",
                            search_token=TOKEN)
    with staff_desk(settings) as client:
        login(client, "alice")
        with serving(knowledge_app(service, TOKEN), port):
            hits = client.get("/api/knowledge/search", params={"q": "取水许可"}).json()
            assert hits[0]["id"] == service.search("取水许可", 8).hits[0].id
            assert hits[0]["insert_text"].startswith(f"【{hits[0]['title']}】")
            policies = client.get("/api/knowledge/search", params={"q": "补贴", "kind": "policy"}).json()
            assert policies and {hit["kind"] for hit in policies} == {"policy"}
        response = client.get("/api/knowledge/search", params={"q": "取水许可"})  # the action server is gone
        assert response.status_code == 503 and "知识检索服务" in response.json()["detail"]


def test_try_it_and_the_record_page_need_no_model_in_the_desk(desk_settings: DeskSettings, settings: IndexerSettings,
                                                              encoder: CharacterEncoder) -> None:
    # settings.model_dir holds no model: a desk that loaded one would fail. The candidate index of
    # try-it is read by the desk and its questions embedded by the action server.
    workspace = KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)
    build_index(settings, knowledge=workspace.knowledge(1), encoder=encoder, kb_version=1)

    async def builder(job: ReindexJob, notify: Any) -> None:
        job.stage, job.total = "embed", 1
        await notify()
        result = await asyncio.to_thread(build_index, settings, None, workspace.knowledge(job.kb_version), encoder,
                                         False, job.kb_version)
        job.index_version, job.done = result.version.name, 1

    with serving(knowledge_app(SearchService(settings, encoder=encoder), TOKEN)) as url:
        remote = RemoteKnowledge(url, TOKEN, timeout=10, settings=settings)
        with staff_desk(desk_settings, remote, builder) as client:
            login(client, "editor")
            assert upload(client, "数字化转型措施.docx", docx_bytes(POLICY_TEXT)).status_code == 200
            wait_for_job(client)
            tried = client.post("/api/kb/try", json={"question": QUESTION}).json()
            assert tried["served"]["kb_version"] == 1 and tried["candidate"]["kb_version"] == 2
            assert all(hit["id"] != "数字化转型措施" for hit in tried["served"]["hits"])
            assert tried["candidate"]["hits"][0]["id"] == "数字化转型措施" and tried["candidate"]["messages"]
            page = client.get("/api/kb/records/数字化转型措施").json()
            assert page["record"]["doc_number"] == "济政办发〔2026〕18号"  # found by the candidate's build
            assert page["chunks"] and "数字化改造补贴" in json.dumps(page["chunks"], ensure_ascii=False)
