"""Router of /api/kb: knowledge editing, versions and audit log, re-index jobs, try-it, publish.

See desk/PROTOCOL.md ("Editor console"). Editors change the workspace (``indexer.workspace``);
every change starts a background re-index (``desk.reindex``) that is published by an editor after
trying it, or by itself after a restore.
"""
from __future__ import annotations

import asyncio
import dataclasses
import functools
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import Field

from actions.composer import compose, linked_item_id
from daofu_core.clock import today_in_china
from desk.api.bodies import BodyRecordId, RequestBody
from desk.api.deps import EDITOR_ROLES, CurrentStaff, RecordId, RouterContext
from desk.errors import DeskError, NotFound
from desk.knowledge_editing import (
    UPLOAD_LABELS,
    KnowledgeInputError,
    check_bundle_steps,
    edited_item,
    edited_policy,
    item_passages,
    matches,
    new_bundle,
    new_faq,
    record_row,
)
from desk.models import Staff
from desk.reindex import ReindexJob, ReindexManager
from desk.security.links import check_links
from desk.security.upload_guard import parse_upload
from desk.service import CONSOLE_TOPIC
from indexer.records import Bundle, FaqEntry, PolicyDoc, Record, SearchResult, ServiceItem
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeVersion, KnowledgeWorkspace, Snapshot, WorkspaceError

MAX_LIST = 200
TRY_HITS = 5


class PublishBody(RequestBody):
    job_id: BodyRecordId


class TryBody(RequestBody):
    question: str = Field(min_length=1, max_length=2000)


class KnowledgeDesk:
    """The editor's view of the knowledge: workspace, jobs, and indexes to try questions on."""

    def __init__(self, context: RouterContext, indexer_settings: IndexerSettings,
                 manager: ReindexManager | None = None) -> None:
        self.context = context
        self.settings = indexer_settings
        self.workspace = KnowledgeWorkspace(indexer_settings.workspace_dir, indexer_settings.knowledge_base_dir)
        self.manager = manager or ReindexManager(indexer_settings, self.workspace, self._job_changed,
                                                 builder=context.index_builder, database=context.service.db)
        self.manager.listener = self._job_changed
        self._snapshots: dict[int, Snapshot] = {}
        self._candidates: dict[str, Any] = {}
        self._metadata_cache: dict[str, dict[str, PolicyDoc]] = {}

    # ------------------------------------------------------------------ reading

    async def snapshot(self, number: int | None = None) -> tuple[int, Snapshot]:
        if number is None:
            number = (await asyncio.to_thread(self.workspace.latest)).number
        if number not in self._snapshots:
            snapshot = await asyncio.to_thread(self.workspace.snapshot, number)
            self._snapshots = {number: snapshot, **{k: v for k, v in list(self._snapshots.items())[-2:]}}
        return number, self._snapshots[number]

    def version_json(self, version: KnowledgeVersion) -> dict[str, Any]:
        data = version.to_dict()
        data["published"] = version.number == self.workspace.published_number()
        data["latest"] = version.number == self.workspace.latest().number
        return data

    def with_found_metadata(self, record: Record) -> Record:
        """A policy as editors should see it: issuer, 发文字号 and date the build found in its text
        (newest index holding it) where the editors left them empty."""
        if not isinstance(record, PolicyDoc) or (record.issuer and record.doc_number and record.date):
            return record
        found = self._found_metadata().get(record.id)
        if found is None:
            return record
        return dataclasses.replace(record, issuer=record.issuer or found.issuer,
                                   doc_number=record.doc_number or found.doc_number, date=record.date or found.date)

    def _found_metadata(self) -> dict[str, PolicyDoc]:
        found: dict[str, PolicyDoc] = {}
        job = self.manager.latest()
        services = [self.context.knowledge]
        if job is not None and job.index_version and job.status in ("ready", "published"):
            services.append(self._candidate_service(job.index_version))
        for service in services:  # the newer index wins
            try:
                index = service.index()
            except Exception:  # no index yet: nothing found
                continue
            key = str(index.path)
            if key not in self._metadata_cache:
                self._metadata_cache = {key: {p.id: p for p in index.policies_in_order}, **{
                    k: v for k, v in list(self._metadata_cache.items())[-1:]}}
            found.update(self._metadata_cache[key])
        return found

    # ------------------------------------------------------------------ changing

    async def change(self, work: Any, author: Staff) -> dict[str, Any]:
        try:
            version: KnowledgeVersion = await asyncio.to_thread(work)
        except WorkspaceError as error:
            raise KnowledgeInputError(str(error)) from error
        data = self.version_json(version)
        await self.context.hub.publish(CONSOLE_TOPIC, {"type": "kb_version", "version": data})
        job = await self.manager.start(version.number, author.display_name or author.username)
        return {"version": data, "job": job.to_dict()}

    async def _job_changed(self, job: ReindexJob) -> None:
        if job.status == "published":
            # The desk's own search service (try-it "served", staff knowledge box) switches now.
            await asyncio.to_thread(_reload_quietly, self.context.knowledge)
        await self.context.hub.publish(CONSOLE_TOPIC, {"type": "reindex", "job": job.to_dict()})

    # ------------------------------------------------------------------ try-it

    async def try_question(self, question: str) -> dict[str, Any]:
        served = await asyncio.to_thread(_answer, self.context.knowledge, question)
        job = self.manager.latest()
        candidate = None
        if job is not None and job.status == "ready" and job.index_version:
            service = self._candidate_service(job.index_version)
            candidate = await asyncio.to_thread(_answer, service, question)
        return {"served": served, "candidate": candidate}

    def _candidate_service(self, index_version: str) -> Any:
        from indexer.search import SearchService

        service = self._candidates.get(index_version)
        if service is None:
            served = self.context.knowledge
            service = SearchService(served.settings, encoder=served.encoder, pinned_version=index_version)
            self._candidates = {index_version: service}  # only the newest candidate is kept in memory
        return service


def build_router(context: RouterContext, indexer_settings: IndexerSettings | None = None,
                 manager: ReindexManager | None = None) -> APIRouter:
    router = APIRouter()
    editor = context.require_role(*EDITOR_ROLES)

    @functools.cache
    def desk() -> KnowledgeDesk:
        # Settings are those of the search service the desk serves (tests give their own).
        settings = indexer_settings or getattr(context.knowledge, "settings", None) or IndexerSettings.from_env()
        return KnowledgeDesk(context, settings, manager)

    @router.get("/api/kb/records")
    async def records(kind: str | None = None, q: str = "", department: str = "", validity: str = "all",
                      offset: int = 0, limit: int = 50, staff: Staff = Depends(editor)) -> dict[str, Any]:
        if kind not in (None, "", "item", "policy", "faq", "bundle"):
            raise DeskError(f"kind 必须是 item、policy、faq 或 bundle，收到 {kind!r}")
        if validity not in ("all", "valid", "expired"):
            raise DeskError(f"validity 必须是 all、valid 或 expired，收到 {validity!r}")
        if offset < 0 or not 1 <= limit <= MAX_LIST:
            raise DeskError(f"offset 不能为负，limit 必须在 1 到 {MAX_LIST} 之间")
        number, snapshot = await desk().snapshot()
        today = today_in_china()
        kinds = [kind] if kind else ["item", "policy", "faq", "bundle"]
        rows = []
        for record_kind in kinds:
            for record in snapshot.of_kind(record_kind).values():
                row = record_row(desk().with_found_metadata(record), today)
                if matches(record, row, q.strip(), department.strip(), validity):
                    rows.append(row)
        return {"total": len(rows), "version": number, "records": rows[offset:offset + limit]}

    @router.get("/api/kb/records/{record_id}")
    async def record(record_id: str, staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        found = snapshot.find(record_id)
        if found is None:
            raise NotFound(f"最新版本的知识库里没有编号为 {record_id} 的条目")
        found = desk().with_found_metadata(found)
        return {"record": found.to_dict(), "kind": found.kind,
                "expired": isinstance(found, PolicyDoc) and found.expired(today_in_china()),
                "chunks": await asyncio.to_thread(_passages, desk(), found)}

    @router.put("/api/kb/items/{item_id}")
    async def put_item(item_id: str, body: dict[str, Any], staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        existing = snapshot.items.get(item_id)
        item = edited_item(existing, item_id, body)
        check_links([item])
        summary = f"{'修改' if existing else '新增'}事项“{item.name}”"
        return await desk().change(lambda: desk().workspace.put([item], _author(staff), summary), staff)

    @router.put("/api/kb/policies/{policy_id}")
    async def put_policy(policy_id: str, body: dict[str, Any], staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        existing = snapshot.policies.get(policy_id)
        if existing is None:
            raise NotFound(f"没有编号为 {policy_id} 的政策文件；新文件请用上传")
        policy = edited_policy(existing, body)
        return await desk().change(lambda: desk().workspace.put([policy], _author(staff), f"修改政策文件《{policy.title}》"), staff)

    @router.delete("/api/kb/records/{record_id}")
    async def delete(record_id: str, staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        found = snapshot.find(record_id)
        if found is None:
            raise NotFound(f"最新版本的知识库里没有编号为 {record_id} 的条目")
        title = found.name if isinstance(found, ServiceItem) else found.title
        return await desk().change(lambda: desk().workspace.delete([record_id], _author(staff), f"删除“{title}”"), staff)

    @router.post("/api/kb/upload")
    async def upload(file: UploadFile = File(...), kind: str = Form(...), staff: Staff = Depends(editor)) -> dict[str, Any]:
        limit = context.settings.max_upload_mb * 1024 * 1024
        content = await file.read(limit + 1)
        # Structure checks, then parsing in a child process with memory and time limits (upload bombs).
        loaded = await parse_upload(file.filename or "", content, kind, limit,
                                    context.settings.upload_memory_mb, context.settings.upload_seconds)
        check_links(loaded, file.filename or "")
        _, snapshot = await desk().snapshot()
        check_bundle_steps([r for r in loaded if isinstance(r, Bundle)], lambda item_id: item_id in snapshot.items,
                           file.filename or "")
        replaced = [r.id for r in loaded if snapshot.find(r.id) is not None]
        added = [r.id for r in loaded if r.id not in replaced]
        summary = f"上传{UPLOAD_LABELS[kind]} {file.filename}（新增 {len(added)}，替换 {len(replaced)}）"
        result = await desk().change(lambda: desk().workspace.put(loaded, _author(staff), summary), staff)
        return {**result, "added": added, "replaced": replaced}

    @router.post("/api/kb/faqs")
    async def add_faq(body: dict[str, Any], staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        faq = new_faq(body, _author(staff), known_item=lambda item_id: item_id in snapshot.items)
        result = await desk().change(lambda: desk().workspace.put([faq], _author(staff), f"新增常见问题“{faq.question}”"), staff)
        return {**result, "id": faq.id}

    @router.put("/api/kb/faqs/{faq_id}")
    async def put_faq(faq_id: str, body: dict[str, Any], staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        if faq_id not in snapshot.faqs:
            raise NotFound(f"没有编号为 {faq_id} 的常见问题")
        faq = new_faq(body, _author(staff), faq_id, known_item=lambda item_id: item_id in snapshot.items)
        result = await desk().change(lambda: desk().workspace.put([faq], _author(staff), f"修改常见问题“{faq.question}”"), staff)
        return {**result, "id": faq.id}

    @router.post("/api/kb/bundles")
    async def add_bundle(body: dict[str, Any], staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        bundle = new_bundle(body, _author(staff), known_item=lambda item_id: item_id in snapshot.items)
        result = await desk().change(lambda: desk().workspace.put([bundle], _author(staff), f"新增一件事“{bundle.name}”"), staff)
        return {**result, "id": bundle.id}

    @router.put("/api/kb/bundles/{bundle_id}")
    async def put_bundle(bundle_id: str, body: dict[str, Any], staff: Staff = Depends(editor)) -> dict[str, Any]:
        _, snapshot = await desk().snapshot()
        if bundle_id not in snapshot.bundles:
            raise NotFound(f"没有编号为 {bundle_id} 的一件事")
        bundle = new_bundle(body, _author(staff), bundle_id, known_item=lambda item_id: item_id in snapshot.items)
        result = await desk().change(lambda: desk().workspace.put([bundle], _author(staff), f"修改一件事“{bundle.name}”"), staff)
        return {**result, "id": bundle.id}

    @router.get("/api/kb/versions")
    async def versions(staff: Staff = Depends(editor)) -> list[dict[str, Any]]:
        listed = await asyncio.to_thread(desk().workspace.versions)
        return [desk().version_json(v) for v in listed]

    @router.post("/api/kb/versions/{number}/restore")
    async def restore(number: RecordId, staff: Staff = Depends(editor)) -> dict[str, Any]:
        try:
            version = await asyncio.to_thread(desk().workspace.restore, number, _author(staff))
        except WorkspaceError as error:
            raise NotFound(f"第 {number} 版不存在") from error
        data = desk().version_json(version)
        await context.hub.publish(CONSOLE_TOPIC, {"type": "kb_version", "version": data})
        job = await desk().manager.start(version.number, _author(staff), publish_when_ready=True)
        return {"version": data, "job": job.to_dict()}

    @router.post("/api/kb/reindex")
    async def reindex(staff: Staff = Depends(editor)) -> dict[str, Any]:
        latest = await asyncio.to_thread(desk().workspace.latest)
        return (await desk().manager.start(latest.number, _author(staff))).to_dict()

    @router.get("/api/kb/jobs/latest")
    async def latest_job(staff: Staff = Depends(editor)) -> dict[str, Any] | None:
        job = desk().manager.latest()
        return job.to_dict() if job else None

    @router.post("/api/kb/try")
    async def try_it(body: TryBody, staff: Staff = Depends(editor)) -> dict[str, Any]:
        return await desk().try_question(body.question)

    @router.post("/api/kb/publish")
    async def publish(body: PublishBody, staff: Staff = Depends(editor)) -> dict[str, Any]:
        job = await desk().manager.publish(body.job_id)
        return {"published": job.index_version, "kb_version": job.kb_version}

    router.state_desk = desk  # type: ignore[attr-defined]  # tests and benchmarks reach the manager
    return router


def _author(staff: Staff) -> str:
    return staff.display_name or staff.username


def _reload_quietly(knowledge: Any) -> None:
    try:
        knowledge.reload()
    except Exception:  # the served index stays; the next search retries
        import logging

        logging.getLogger(__name__).exception("could not load the published index")


def _answer(service: Any, question: str) -> dict[str, Any]:
    """What the bot would say to ``question`` on ``service``'s index: the actions' own answer
    composer, as at the start of a conversation."""
    result: SearchResult = service.search(question, TRY_HITS)
    linked_id = linked_item_id(result)
    composed = compose(result, linked=service.record(linked_id) if linked_id else None)
    manifest = service.index().manifest
    return {"index_version": manifest.get("version"), "kb_version": manifest.get("kb_version"),
            "level": result.level, "confidence": round(result.confidence, 4),
            # As a widget receives them: empty buttons and payloads are left out.
            "messages": [{key: value for key, value in (("text", reply.text), ("custom", dict(reply.custom or {})),
                                                        ("buttons", [dict(button) for button in reply.buttons]))
                          if value}
                         for reply in composed.replies],
            "hits": [{"id": h.id, "kind": h.kind, "title": h.title, "score": round(h.score, 4)} for h in result.hits]}


def _passages(desk: KnowledgeDesk, record: Record) -> list[dict[str, Any]]:
    """How the record is cut for search, from the newest index that holds it."""
    if isinstance(record, ServiceItem):
        return item_passages(record)
    if isinstance(record, (FaqEntry, Bundle)):  # matched by its questions (name and variants)
        return [{"position": i, "text": q} for i, q in enumerate(record.questions())]
    services = []
    job = desk.manager.latest()
    if job is not None and job.index_version and job.status in ("ready", "published"):
        services.append(desk._candidate_service(job.index_version))
    services.append(desk.context.knowledge)
    for service in services:
        try:
            index = service.index()
        except Exception:
            continue
        chunks = [c for c in index.policy_chunks if c.record_id == record.id]
        if chunks:
            return [{"position": c.position, "text": c.text} for c in chunks]
    return []


def build_search_router(context: RouterContext) -> APIRouter:
    """``/api/knowledge/search``: the chat console's knowledge box (any signed-in account)."""
    router = APIRouter()

    @router.get("/api/knowledge/search")
    async def knowledge_search(staff: CurrentStaff, q: str, kind: str | None = None) -> list[dict[str, Any]]:
        if kind not in (None, "", "item", "policy"):
            raise DeskError(f"kind 必须是 item 或 policy，收到 {kind!r}")
        result = await asyncio.to_thread(context.knowledge.search, q, 8, kind or None)
        return [_insertable(hit) for hit in result.hits]

    return router


def _insertable(hit: Any) -> dict[str, Any]:
    record = hit.record
    if hit.kind == "item":
        materials = "；".join(f"{i}. {m}" for i, m in enumerate(record.materials, start=1)) or "目录未列出所需材料"
        text = f"【{record.name}】（{record.department}）所需材料：{materials}"
        return {"id": hit.id, "kind": "item", "title": hit.title, "department": record.department, "insert_text": text}
    text = f"根据《{record.title}》：{hit.snippet}"
    return {"id": hit.id, "kind": "policy", "title": hit.title, "issuer": record.issuer,
            "doc_number": record.doc_number, "insert_text": text}
