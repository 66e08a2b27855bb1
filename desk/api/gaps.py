"""Router of /api/kb/gaps: see desk/PROTOCOL.md (editor console). Logic in desk/knowledge_gaps.py."""
from __future__ import annotations

import asyncio
import datetime
from typing import Any

from fastapi import APIRouter

from desk.api.deps import EditorStaff, RouterContext
from desk.errors import DeskError
from desk.knowledge_gaps import GapQuestion, cluster_questions, collect_gap_questions, embed_questions, threshold_for
from desk.models import utcnow
from indexer.embedding import Encoder
from indexer.errors import ModelNotFoundError

MAX_DAYS = 366


class ModelUnavailable(DeskError):
    code = "model_unavailable"
    status = 503


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()

    @router.get("/api/kb/gaps")
    async def knowledge_gaps(_staff: EditorStaff, days: str = "30") -> list[dict[str, Any]]:
        since = utcnow() - datetime.timedelta(days=parse_days(days))
        questions = await context.service.run(lambda session: collect_gap_questions(session, since))
        if not questions:
            return []  # nothing to group: no need for the model
        # Loading the model (first time) and embedding up to 2,000 questions take seconds of CPU.
        return await asyncio.to_thread(group_questions, context.knowledge, questions)

    return router


def parse_days(value: str) -> int:
    """The window in days; a 400 in Chinese for anything but a whole number from 1 to 366."""
    try:
        days = int(value.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise DeskError(f"days 必须是 1 到 {MAX_DAYS} 之间的整数（天数），收到 {value[:20]!r}")
    return days


def group_questions(knowledge: Any, questions: list[GapQuestion]) -> list[dict[str, Any]]:
    encoder = served_encoder(knowledge)
    vectors = embed_questions(encoder, questions)
    clusters = cluster_questions(questions, vectors, threshold_for(encoder.model_id))
    return [cluster.to_dict() for cluster in clusters]


def served_encoder(knowledge: Any) -> Encoder:
    """The search service's embedding model (loaded on first use); 503 when it is not prepared."""
    try:
        encoder: Encoder | None = getattr(knowledge, "encoder", None)
    except ModelNotFoundError as error:
        raise ModelUnavailable("知识缺口分组需要向量模型，但模型还没有准备好。请先运行 `make run`（会准备模型），"
                               "或运行 `python -m indexer prepare-model` 后重试。") from error
    if encoder is None:
        raise ModelUnavailable("知识缺口分组需要知识检索服务的向量模型，当前服务没有提供。请用 `make run` 启动，"
                               "它会准备模型。")
    return encoder
