"""The knowledge routes the desks of this host ask instead of loading their own copy of the model
and index (README "Memory"): search, a record, encode texts, the served manifest, all answered by
the action server's process-wide search service (``actions.knowledge``). The wire contract is
``daofu_protocol.knowledge_api``.

rasa-sdk adds them through its plugin hook (``rasa_sdk_plugins`` at the repository root calls
``attach``); they are a Sanic blueprint of their own, so Rasa's /webhook, /health and /actions are
untouched. With a token (DAOFU_SEARCH_TOKEN) every route wants ``Authorization: Bearer <token>``.
"""
from __future__ import annotations

import asyncio
import base64
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from actions.knowledge import Knowledge
from daofu_core.settings import EnvSettings
from daofu_protocol import knowledge_api as wire
from indexer.embedding import Encoder
from indexer.errors import IndexMismatchError, IndexNotFoundError, InvalidQueryError, ModelNotFoundError
from indexer.records import KINDS, Kind

BLUEPRINT_NAME = "daofu_knowledge"


@dataclass(frozen=True)
class KnowledgeApiSettings(EnvSettings):
    token: str = field(default="", metadata={
        "env": "DAOFU_SEARCH_TOKEN",
        "help": "Secret of the action server's knowledge routes (the desk sends it as Authorization: Bearer); empty: "
                "the launcher makes a random one at each start and gives it to the action server and the desks."})


class Manifested(Protocol):
    manifest: dict[str, Any]


class ServedKnowledge(Knowledge, Protocol):
    """What the routes use of the search service (``indexer.search.SearchService``)."""

    @property
    def encoder(self) -> Encoder: ...

    def index(self) -> Manifested: ...


class BadRequest(Exception):
    """A request the routes refuse (400); the message is for the caller, in Chinese."""


def attach(app: Sanic, settings: KnowledgeApiSettings | None = None,
           knowledge: Callable[[], ServedKnowledge] | None = None) -> None:
    """Add the routes to rasa-sdk's app. ``knowledge`` gives the search service, asked at each
    request (default: the action server's process-wide one, loaded on first use, not here)."""
    settings = settings or KnowledgeApiSettings.from_env()
    app.blueprint(knowledge_blueprint(settings.token, knowledge or _served))


def _served() -> ServedKnowledge:
    # The same process-wide service the actions get from actions.knowledge.default_knowledge.
    from indexer.search import get_search_service

    return get_search_service()


def knowledge_blueprint(token: str, knowledge: Callable[[], ServedKnowledge]) -> Blueprint:
    blueprint = Blueprint(BLUEPRINT_NAME)

    @blueprint.on_request
    async def authorize(request: Request) -> HTTPResponse | None:
        if token and not _bearer_matches(request.headers.get("authorization", ""), token):
            return json_response({"error": "知识检索接口需要令牌：请在请求头带上 Authorization: Bearer <DAOFU_SEARCH_TOKEN>"
                                           "（桌面与动作服务器须设为同一个值）"},
                                 status=401, headers={"WWW-Authenticate": "Bearer"})
        return None

    @blueprint.post(wire.SEARCH_PATH)
    async def search(request: Request) -> HTTPResponse:
        async def work() -> dict[str, Any]:
            body = _body(request)
            query = _text(body.get("query"), "query", wire.MAX_QUERY_CHARS)
            k = body.get("k", 10)
            if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= wire.MAX_K:
                raise BadRequest(f"k 必须是 1 到 {wire.MAX_K} 之间的整数，收到 {str(k)[:20]!r}")
            kind = body.get("kind") or None
            if kind is not None and kind not in KINDS:
                raise BadRequest(f"kind 必须是 {'、'.join(KINDS)} 之一或留空，收到 {str(kind)[:20]!r}")
            department = body.get("department") or None
            if department is not None:
                department = _text(department, "department", wire.MAX_DEPARTMENT_CHARS)
            searched: Kind | None = kind
            result = await asyncio.to_thread(lambda: knowledge().search(query, k, searched, department))
            return result.to_dict(with_record=True)
        return await _answer(work)

    @blueprint.get(wire.RECORD_PATH)
    async def record(request: Request) -> HTTPResponse:
        async def work() -> dict[str, Any]:
            record_id = _text(request.args.get("id"), "id", wire.MAX_RECORD_ID_CHARS)
            if not record_id.strip():
                raise BadRequest("id 不能为空：请给出条目编号")
            found = await asyncio.to_thread(lambda: knowledge().record(record_id))
            return {"record": found.to_dict() if found is not None else None}
        return await _answer(work)

    @blueprint.post(wire.ENCODE_PATH)
    async def encode(request: Request) -> HTTPResponse:
        async def work() -> dict[str, Any]:
            texts = _body(request).get("texts")
            if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                raise BadRequest("texts 必须是文本列表")
            if len(texts) > wire.MAX_ENCODE_TEXTS:
                raise BadRequest(f"一次最多编码 {wire.MAX_ENCODE_TEXTS} 条文本，收到 {len(texts)} 条：请分批发送")
            too_long = [number for number, text in enumerate(texts, start=1) if len(text) > wire.MAX_ENCODE_CHARS]
            if too_long:
                raise BadRequest(f"每条文本最多 {wire.MAX_ENCODE_CHARS} 个字符，第 {too_long[0]} 条超出")

            def run() -> dict[str, Any]:
                encoder = knowledge().encoder  # the served index's model (DAOFU_MODEL_DIR's without an index)
                vectors = np.ascontiguousarray(encoder.encode(texts) if texts else
                                               np.zeros((0, encoder.dimension)), dtype=wire.VECTOR_FORMAT)
                return {"model": dict(encoder.model_id), "dimension": int(encoder.dimension), "count": len(texts),
                        "vectors": base64.b64encode(vectors.tobytes()).decode("ascii")}
            return await asyncio.to_thread(run)
        return await _answer(work)

    @blueprint.get(wire.MANIFEST_PATH)
    async def manifest(request: Request) -> HTTPResponse:
        async def work() -> dict[str, Any]:
            return dict(await asyncio.to_thread(lambda: knowledge().index().manifest))
        return await _answer(work)

    return blueprint


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    # Compared in constant time (as bytes: compare_digest refuses non-ASCII text).
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest("请求内容不是有效的 JSON") from error
    if not isinstance(body, dict):
        raise BadRequest("请求内容必须是 JSON 对象")
    return body


def _text(value: object, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"{name} 必须是文本")
    if len(value) > limit:
        raise BadRequest(f"{name} 最多 {limit} 个字符，收到 {len(value)} 个")
    return value


async def _answer(work: Callable[[], Any]) -> HTTPResponse:
    """``work``'s answer as JSON, or the refusal: 400 for bad input, 503 (with what to run) when the
    index or the model is not ready."""
    try:
        return json_response(await work())
    except (BadRequest, InvalidQueryError) as error:
        return json_response({"error": str(error)}, status=400)
    except IndexNotFoundError as error:
        return json_response({"error": "知识库索引还没有建好：请在动作服务器所在主机运行 `python -m indexer build`"
                                       f"（`make run` 会自动建好），建好后无需重启。（{error}）"}, status=503)
    except ModelNotFoundError as error:
        return json_response({"error": "向量模型还没有准备好：请运行 `python -m indexer prepare-model`"
                                       f"（`make run` 会自动准备）后重试。（{error}）"}, status=503)
    except IndexMismatchError as error:
        return json_response({"error": "当前索引与向量模型不一致：请运行 `python -m indexer build` 重建索引，"
                                       f"或把 DAOFU_MODEL_DIR 指向建索引时用的模型。（{error}）"}, status=503)
