"""The action server's knowledge routes (actions/knowledge_api.py), over real HTTP to rasa-sdk's own
Sanic app on a loopback port, with the small fixture index and the test encoder."""
from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.plugin import plugin_manager

from daofu_protocol import knowledge_api as wire
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from tests.action_server import knowledge_app, serving
from tests.conftest import build_fixture_search
from tests.fakes import CharacterEncoder

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """One small index for the module's read-only tests (a build takes a second or two)."""
    return build_fixture_search(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def api(served: SearchService) -> Iterator[httpx.Client]:
    with serving(knowledge_app(served, TOKEN)) as url, httpx.Client(base_url=url, headers=AUTH, timeout=30) as client:
        yield client


def test_the_plugin_hook_adds_the_routes_beside_rasa_sdks_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # rasa_sdk.plugin imports the top-level rasa_sdk_plugins package and runs its hook on the app,
    # as create_app_for_serve does in every worker of the real action server.
    monkeypatch.setenv("DAOFU_SEARCH_TOKEN", TOKEN)
    app = create_app(ActionExecutor())
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    paths = {route.uri for route in app.router.routes}
    assert {wire.SEARCH_PATH, wire.RECORD_PATH, wire.ENCODE_PATH, wire.MANIFEST_PATH} <= paths
    with serving(app) as url:
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        assert httpx.get(f"{url}/actions").status_code == 200
        assert httpx.post(f"{url}/webhook", content=b"null").status_code == 400  # rasa-sdk's own answer, no token asked
        refused = httpx.get(f"{url}{wire.MANIFEST_PATH}")  # the token is read from the environment
        assert refused.status_code == 401 and "Authorization: Bearer" in refused.json()["error"]
        assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_search_answers_what_the_service_finds(api: httpx.Client, served: SearchService) -> None:
    expected = served.search("取水许可", 3)
    found = api.post(wire.SEARCH_PATH, json={"query": "取水许可", "k": 3}).json()
    assert found == expected.to_dict(with_record=True)
    assert found["hits"] and found["hits"][0]["fields"]["kind"] == "item"
    policies = api.post(wire.SEARCH_PATH, json={"query": "补贴", "k": 2, "kind": "policy", "department": None}).json()
    assert policies["hits"] and {hit["kind"] for hit in policies["hits"]} == {"policy"}


def test_record_and_manifest(api: httpx.Client, served: SearchService) -> None:
    item = served.search("取水许可", 1).hits[0]
    assert api.get(wire.RECORD_PATH, params={"id": item.id}).json() == {"record": item.record.to_dict()}
    assert api.get(wire.RECORD_PATH, params={"id": "没有这个"}).json() == {"record": None}
    manifest = api.get(wire.MANIFEST_PATH).json()
    assert manifest == served.index().manifest and manifest["version"] == served.version


def test_encode_sends_the_exact_vectors_and_the_model(api: httpx.Client) -> None:
    encoder = CharacterEncoder()
    texts = ["query: 营业执照怎么办", "query: 开饭店要办什么证"]
    data = api.post(wire.ENCODE_PATH, json={"texts": texts}).json()
    vectors = np.frombuffer(base64.b64decode(data["vectors"]), dtype=wire.VECTOR_FORMAT).reshape(data["count"], data["dimension"])
    assert np.array_equal(vectors, encoder.encode(texts)) and data["model"] == encoder.model_id
    empty = api.post(wire.ENCODE_PATH, json={"texts": []}).json()
    assert empty["count"] == 0 and empty["vectors"] == "" and empty["dimension"] == encoder.dimension


@pytest.mark.parametrize(("path", "body", "says"), [
    (wire.SEARCH_PATH, {"query": "执照", "k": 0}, "k 必须是 1 到 50 之间的整数"),
    (wire.SEARCH_PATH, {"query": "执照", "k": True}, "k 必须是"),
    (wire.SEARCH_PATH, {"query": "执照", "kind": "people"}, "kind 必须是"),
    (wire.SEARCH_PATH, {"query": 12}, "query 必须是文本"),
    (wire.SEARCH_PATH, {"query": "执" * (wire.MAX_QUERY_CHARS + 1)}, "query 最多 8000 个字符"),
    (wire.SEARCH_PATH, [1, 2], "请求内容必须是 JSON 对象"),
    (wire.ENCODE_PATH, {"texts": "一句话"}, "texts 必须是文本列表"),
    (wire.ENCODE_PATH, {"texts": ["问"] * (wire.MAX_ENCODE_TEXTS + 1)}, "一次最多编码 256 条文本"),
    (wire.ENCODE_PATH, {"texts": ["短", "长" * (wire.MAX_ENCODE_CHARS + 1)]}, "第 2 条超出"),
])
def test_bad_input_is_a_400_in_chinese(api: httpx.Client, path: str, body: object, says: str) -> None:
    response = api.post(path, json=body)
    assert response.status_code == 400 and says in response.json()["error"]


def test_bad_json_and_an_empty_id_are_400s(api: httpx.Client) -> None:
    response = api.post(wire.SEARCH_PATH, content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "请求内容不是有效的 JSON"
    assert api.get(wire.RECORD_PATH, params={"id": " "}).json()["error"] == "id 不能为空：请给出条目编号"
    assert api.get(wire.RECORD_PATH).json()["error"] == "id 必须是文本"


def test_a_missing_or_wrong_token_is_refused(served: SearchService) -> None:
    with serving(knowledge_app(served, TOKEN)) as url:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = httpx.post(f"{url}{wire.SEARCH_PATH}", json={"query": "执照"}, headers=headers)
            assert response.status_code == 401, headers
        assert httpx.get(f"{url}/health").status_code == 200  # rasa-sdk's routes want no token


def test_without_a_token_the_routes_are_open(served: SearchService) -> None:
    with serving(knowledge_app(served, "")) as url:
        assert httpx.post(f"{url}{wire.SEARCH_PATH}", json={"query": "取水许可"}).json()["hits"]


def test_no_index_yet_is_a_503_saying_what_to_run(settings: IndexerSettings) -> None:
    unbuilt = SearchService(settings, encoder=CharacterEncoder())  # nothing built under settings.index_dir
    with serving(knowledge_app(unbuilt)) as url:
        for response in (httpx.post(f"{url}{wire.SEARCH_PATH}", json={"query": "营业执照"}),
                         httpx.get(f"{url}{wire.MANIFEST_PATH}"),
                         httpx.get(f"{url}{wire.RECORD_PATH}", params={"id": "A"})):
            assert response.status_code == 503
            assert "知识库索引还没有建好" in response.json()["error"] and "python -m indexer build" in response.json()["error"]
        # Encoding needs the model only (the gaps page works before the first index).
        assert httpx.post(f"{url}{wire.ENCODE_PATH}", json={"texts": ["你好"]}).json()["count"] == 1
