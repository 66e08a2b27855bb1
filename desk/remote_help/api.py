"""Remote help's routes (desk/PROTOCOL.md "Remote help").

Staff (chat roles) name a help by its number and act only while serving its chat; the widget names
its conversation and proves it with the conversation's resume token in ``X-Daofu-Resume-Token`` (a
header, so the secret stays out of URLs and logs). Files come only through these routes, never from
a public path. The widget's writes are marked CROSS_ORIGIN_WRITES (the widget runs on other sites)
and rate-limited per client.
"""
from __future__ import annotations

import asyncio
import urllib.parse
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from desk.api.bodies import MAX_ROW_ID
from desk.api.deps import ChatStaff, RecordId, RouterContext
from desk.errors import Conflict, NotFound
from desk.remote_help.draft import StaleDraftField
from desk.remote_help.files import FileTooLarge
from desk.remote_help.pdf import draft_pdf, summary_pdf
from desk.remote_help.service import Actor, RemoteHelpService, StoredFile
from desk.security.origins import CROSS_ORIGIN_WRITES
from desk.security.rate_limits import ClientLimiter, client_address

TOKEN_HEADER = "X-Daofu-Resume-Token"
DRAFT_WRITE_FACTOR = 10  # edits of the form come far more often than uploads
READ_FACTOR = 30  # the widget reads the state after every (re)connection; a PDF costs the desk ~0.5 s


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartBody(_Body):
    item_id: str | None = Field(default=None, max_length=100)  # None: the chat's current item


class MarkBody(_Body):
    mark: str = Field(max_length=16)  # accepted (合格), needs_fix (需补正), missing (缺失)
    reason: str = Field(default="", max_length=500)


class FieldBody(_Body):
    value: str = Field(max_length=2000)
    version: int = Field(ge=0, le=MAX_ROW_ID)  # compared in SQL: within the 64-bit column


Token = Annotated[str | None, Header(alias=TOKEN_HEADER)]


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    settings = context.settings
    help_service = RemoteHelpService(context.service, context.knowledge, settings)
    uploads = ClientLimiter(settings.remote_help_upload_limit, redis_url=settings.redis_url,
                            setting="DAOFU_REMOTE_HELP_UPLOAD_LIMIT", message="上传太频繁，请 {seconds} 秒后再试")
    draft_writes = ClientLimiter(settings.remote_help_upload_limit, DRAFT_WRITE_FACTOR, redis_url=settings.redis_url,
                                 setting="DAOFU_REMOTE_HELP_UPLOAD_LIMIT", message="修改太频繁，请 {seconds} 秒后再试")

    widget_reads = ClientLimiter(settings.remote_help_upload_limit, READ_FACTOR, redis_url=settings.redis_url,
                                 setting="DAOFU_REMOTE_HELP_UPLOAD_LIMIT", message="请求太频繁，请 {seconds} 秒后再试")

    def limit_read(request: Request) -> None:
        widget_reads.check(client_address(request), "remote_help_read")

    def limit_upload(request: Request) -> None:
        uploads.check(client_address(request), "remote_help_upload")

    def limit_draft(request: Request) -> None:
        draft_writes.check(client_address(request), "remote_help_draft")

    # ------------------------------------------------------------------ staff

    @router.get("/api/conversations/{conversation_id}/remote-help")
    async def staff_state(conversation_id: str, staff: ChatStaff) -> dict[str, Any] | None:
        return await help_service.for_staff(conversation_id, staff)

    @router.post("/api/conversations/{conversation_id}/remote-help", status_code=201)
    async def start(conversation_id: str, body: StartBody, staff: ChatStaff) -> dict[str, Any]:
        return await help_service.start(conversation_id, staff, (body.item_id or "").strip() or None)

    @router.get("/api/remote-help/{help_id}")
    async def staff_help(help_id: RecordId, staff: ChatStaff) -> dict[str, Any]:
        return await help_service.help_for_staff(help_id, staff)

    @router.post("/api/remote-help/{help_id}/cancel")
    async def cancel(help_id: RecordId, staff: ChatStaff) -> dict[str, Any]:
        return await help_service.cancel(help_id, staff)

    @router.post("/api/remote-help/{help_id}/entries/{entry_id}/mark")
    async def mark(help_id: RecordId, entry_id: RecordId, body: MarkBody, staff: ChatStaff) -> dict[str, Any]:
        return await help_service.mark(help_id, entry_id, staff, body.mark, body.reason)

    @router.get("/api/remote-help/{help_id}/files/{file_id}")
    async def staff_file(help_id: RecordId, file_id: RecordId, staff: ChatStaff) -> Response:
        return _file_response(await help_service.file_for_staff(help_id, file_id, staff))

    @router.put("/api/remote-help/{help_id}/draft/{field}")
    async def staff_field(help_id: RecordId, field: str, body: FieldBody, staff: ChatStaff) -> Response:
        return await _write(help_service, help_id, None, Actor(staff), None, field, body)

    @router.get("/api/remote-help/{help_id}/draft.pdf")
    async def staff_draft_pdf(help_id: RecordId, staff: ChatStaff) -> Response:
        state = await help_service.pdf_state(help_id, None, staff, None)
        return await _draft_pdf(state, settings.pdf_font)

    @router.get("/api/remote-help/{help_id}/summary.pdf")
    async def staff_summary_pdf(help_id: RecordId, staff: ChatStaff) -> Response:
        state = await help_service.pdf_state(help_id, None, staff, None)
        return await _summary_pdf(state, settings.pdf_font)

    # ------------------------------------------------------------------ the enterprise (widget)

    @router.get("/api/widget/remote-help/{conversation_id}", dependencies=[Depends(limit_read)])
    async def widget_state(conversation_id: str, token: Token = None) -> dict[str, Any] | None:
        return await help_service.for_enterprise(conversation_id, token)

    @router.post("/api/widget/remote-help/{conversation_id}/entries/{entry_id}/files", status_code=201,
                 dependencies=[Depends(limit_upload)], openapi_extra={
                     **CROSS_ORIGIN_WRITES,
                     "requestBody": {"required": True, "content": {"application/octet-stream": {
                         "schema": {"type": "string", "format": "binary"}}}}})
    async def widget_upload(conversation_id: str, entry_id: RecordId, request: Request, token: Token = None,
                            file_name: Annotated[str, Header(alias="X-File-Name", max_length=600)] = "") -> dict[str, Any]:
        content = await _read_capped(request, settings.remote_help_max_file_mb * 1024 * 1024)
        name = urllib.parse.unquote(file_name)
        return await help_service.upload(conversation_id, token, entry_id, content, name)

    @router.get("/api/widget/remote-help/{conversation_id}/files/{file_id}", dependencies=[Depends(limit_read)])
    async def widget_file(conversation_id: str, file_id: RecordId, token: Token = None) -> Response:
        return _file_response(await help_service.file_for_enterprise(conversation_id, token, file_id))

    @router.put("/api/widget/remote-help/{conversation_id}/draft/{field}", dependencies=[Depends(limit_draft)],
                openapi_extra=CROSS_ORIGIN_WRITES)
    async def widget_field(conversation_id: str, field: str, body: FieldBody, token: Token = None) -> Response:
        return await _write(help_service, None, conversation_id, Actor(None), token, field, body)

    @router.get("/api/widget/remote-help/{conversation_id}/draft.pdf", dependencies=[Depends(limit_read)])
    async def widget_draft_pdf(conversation_id: str, token: Token = None) -> Response:
        state = await help_service.pdf_state(None, conversation_id, None, token)
        return await _draft_pdf(state, settings.pdf_font)

    @router.get("/api/widget/remote-help/{conversation_id}/summary.pdf", dependencies=[Depends(limit_read)])
    async def widget_summary_pdf(conversation_id: str, token: Token = None) -> Response:
        state = await help_service.pdf_state(None, conversation_id, None, token)
        return await _summary_pdf(state, settings.pdf_font)

    return router


async def _write(help_service: RemoteHelpService, help_id: int | None, conversation_id: str | None, actor: Actor,
                 token: object, field: str, body: FieldBody) -> Response:
    try:
        state = await help_service.write_field(help_id, conversation_id, actor, token, field, body.value, body.version)
    except StaleDraftField as stale:
        # The later writer learns what won, so nothing is lost silently (desk/PROTOCOL.md).
        return JSONResponse({"detail": str(stale), "current": stale.current}, status_code=stale.status)
    return JSONResponse(state)


async def _read_capped(request: Request, max_bytes: int) -> bytes:
    """The body, read no further than ``max_bytes`` (413 beyond, whatever the declared length)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise FileTooLarge(f"文件太大（{int(declared) / 1e6:.1f} MB），上限 {max_bytes / 1e6:.0f} MB；请压缩图片或拆分 PDF 后再上传")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(f"文件太大，上限 {max_bytes / 1e6:.0f} MB；请压缩图片或拆分 PDF 后再上传")
        chunks.append(chunk)
    return b"".join(chunks)


def _file_response(stored: StoredFile) -> Response:
    if not stored.path.is_file():
        raise NotFound("文件已按保存期限删除")
    disposition = "inline" if stored.media_type.startswith("image/") else "attachment"
    return FileResponse(stored.path, media_type=stored.media_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{urllib.parse.quote(stored.display_name)}",
        # Personal documents: no shared cache keeps them.
        "Cache-Control": "private, no-store"})


async def _draft_pdf(state: dict[str, Any], font: str) -> Response:
    content = await asyncio.to_thread(draft_pdf, state, font)
    return _pdf(content, f"{state['item']['name']}-申请表草稿.pdf")


async def _summary_pdf(state: dict[str, Any], font: str) -> Response:
    if not state["summary"]:
        raise Conflict("材料预审尚未完成（全部材料合格后才有预审结果）")
    content = await asyncio.to_thread(summary_pdf, state["summary"], font)
    return _pdf(content, f"{state['item']['name']}-材料预审结果.pdf")


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{urllib.parse.quote(name)}",
        "Cache-Control": "private, no-store"})
