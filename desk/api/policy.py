"""Router of /api/policy: the support measures and, for a 免申即享 measure, the saved enterprise
profiles that qualify (推送名单), as JSON and CSV with personal data masked; and /api/policy/editor:
editors review the spaCy proposals of a document, edit, delete and publish measures, with versions.
Logic in desk/policy/profiles.py and desk/policy/measure_store.py; see desk/PROTOCOL.md ("惠企政策")."""
from __future__ import annotations

import asyncio
import functools
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import Response

from desk.api.deps import EDITOR_ROLES, RecordId, RouterContext, require_role
from desk.errors import DeskError, NotFound
from desk.models import Staff
from desk.policy import profiles
from desk.policy.measure_store import MeasureStore
from indexer.settings import IndexerSettings

# 应答 staff send the notices and call the enterprises; editors maintain the measures; admins all.
POLICY_ROLES = ("staff", "editor", "admin")
PolicyStaff = Annotated[Staff, Depends(require_role(*POLICY_ROLES))]
Editor = Annotated[Staff, Depends(require_role(*EDITOR_ROLES))]
MAX_MEASURE_BODY_CHARS = 50_000


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()

    async def catalog() -> profiles.Catalog:
        return await asyncio.to_thread(profiles.load_catalog_now)

    async def automatic(measure_id: str) -> tuple[profiles.Catalog, Any]:
        loaded = await catalog()
        measure = loaded.measure(measure_id)
        if measure is None:
            raise NotFound(f"没有编号为 {measure_id[:60]!r} 的政策措施；请从 /api/policy/measures 的列表中选择")
        if measure.how.value != "免申即享":
            raise DeskError(f"“{measure.title}”的获取方式是{measure.how.value}，不是免申即享，没有推送名单")
        return loaded, measure

    @router.get("/api/policy/measures")
    async def measures(_staff: PolicyStaff) -> dict[str, Any]:
        loaded = await catalog()
        return {"as_of": loaded.as_of.isoformat(),
                "measures": [profiles.measure_summary(m, loaded) for m in loaded.measures]}

    @router.get("/api/policy/measures/{measure_id}/push-list")
    async def push_list(measure_id: str, _staff: PolicyStaff) -> dict[str, Any]:
        loaded, measure = await automatic(measure_id)
        rows = await context.service.run(functools.partial(profiles.push_list, measure=measure, as_of=loaded.as_of))
        return {"measure": profiles.measure_summary(measure, loaded), "as_of": loaded.as_of.isoformat(),
                "profiles": rows}

    @router.get("/api/policy/measures/{measure_id}/push-list.csv")
    async def push_list_csv(measure_id: str, _staff: PolicyStaff) -> Response:
        loaded, measure = await automatic(measure_id)
        rows = await context.service.run(functools.partial(profiles.push_list, measure=measure, as_of=loaded.as_of))
        filename = f"daofu-push-list-{measure.id}-{loaded.as_of.isoformat()}.csv"
        return Response(profiles.push_list_csv(rows).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": "no-store"})

    # ---------------------------------------------------------------- editors

    def store() -> MeasureStore:
        # The settings of the search service the desk serves (tests give their own), as the knowledge API.
        settings = getattr(context.knowledge, "settings", None) or IndexerSettings.from_env()
        return MeasureStore(settings.workspace_dir, settings.knowledge_base_dir)

    def author(staff: Staff) -> str:
        return f"{staff.display_name or staff.username}（{staff.username}）"

    @router.get("/api/policy/editor/versions")
    async def versions(_staff: Editor) -> dict[str, Any]:
        measures = store()
        return {"latest": measures.latest_number(), "published": measures.published_number(),
                "versions": [v.to_dict() for v in reversed(measures.versions())]}

    @router.get("/api/policy/editor/measures")
    async def editor_measures(_staff: Editor) -> dict[str, Any]:
        measures = store()
        found = await asyncio.to_thread(measures.measures)
        return {"version": measures.latest_number(), "published": measures.published_number(),
                "measures": [m.model_dump(mode="json", exclude_none=True) for m in found]}

    @router.get("/api/policy/editor/measures/{measure_id}")
    async def editor_measure(measure_id: str, _staff: Editor) -> dict[str, Any]:
        found = await asyncio.to_thread(store().measure, measure_id)
        return found.model_dump(mode="json", exclude_none=True)

    @router.put("/api/policy/editor/measures/{measure_id}")
    async def put_measure(measure_id: str, staff: Editor,
                          body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        if len(str(body)) > MAX_MEASURE_BODY_CHARS:
            raise DeskError(f"政策措施太长（超过 {MAX_MEASURE_BODY_CHARS} 字符），请精简条件和原文引用")
        measures = store()
        measure = await asyncio.to_thread(measures.check, body, measure_id)
        version = await asyncio.to_thread(measures.put, measure, author(staff))
        return {"version": version.to_dict()}

    @router.delete("/api/policy/editor/measures/{measure_id}")
    async def delete_measure(measure_id: str, staff: Editor) -> dict[str, Any]:
        version = await asyncio.to_thread(store().delete, measure_id, author(staff))
        return {"version": version.to_dict()}

    @router.post("/api/policy/editor/versions/{number}/publish")
    async def publish(number: RecordId, _staff: Editor) -> dict[str, Any]:
        measures = store()
        await asyncio.to_thread(measures.publish, number)
        return {"published": number}

    @router.post("/api/policy/editor/versions/{number}/restore")
    async def restore(number: RecordId, staff: Editor) -> dict[str, Any]:
        version = await asyncio.to_thread(store().restore, number, author(staff))
        return {"version": version.to_dict()}

    @router.get("/api/policy/editor/documents/{document_id}/proposals")
    async def proposals(document_id: str, _staff: Editor) -> dict[str, Any]:
        """Draft measures the spaCy rules propose for a document of the policy corpus, for review."""
        from indexer.policy_matching.catalog import policy_texts
        from indexer.policy_matching.extraction import MeasureExtractor

        settings = getattr(context.knowledge, "settings", None) or IndexerSettings.from_env()
        texts = await asyncio.to_thread(policy_texts, settings.knowledge_base_dir)
        text = texts.get(document_id)
        if text is None:
            raise NotFound(f"政策语料中没有编号为 {document_id[:60]!r} 的文件")
        found = await asyncio.to_thread(MeasureExtractor().propose, document_id, text)
        return {"document_id": document_id, "proposals": [p.to_json() for p in found]}

    return router
