"""The pages the desk serves (demo page, widget script, console pages) and the health check."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from desk import auth
from desk.api.deps import EDITOR_ROLES, RouterContext, page_access
from desk.demands.service import ROLE_RIGHTS

DEMAND_PAGE_ROLES = tuple(sorted(ROLE_RIGHTS["view"]))
STATIC = Path(__file__).resolve().parent.parent / "static"
# None: the account may see the page; else the redirect or refusal to answer with.
ChatPage = Annotated[Response | None, Depends(page_access(*auth.CHAT_ROLES))]
EditorPage = Annotated[Response | None, Depends(page_access(*EDITOR_ROLES))]
# Demands: 应答, 承办, 督办 and admins (desk/demands/service.py ROLE_RIGHTS["view"]).
DemandPage = Annotated[Response | None, Depends(page_access(*DEMAND_PAGE_ROLES))]
# Analytics: editors see the chats' numbers, 督办 the demand reports (each part asks its API); chat
# staff stay on their console (issue 13 item 4), the report API answers them.
AnalyticsPage = Annotated[Response | None, Depends(page_access(*EDITOR_ROLES, "supervisor"))]


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/")
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @router.get("/widget.js")
    async def widget_script() -> FileResponse:
        # Any government page may embed the widget: the script is served to every origin.
        return FileResponse(STATIC / "widget.js", media_type="application/javascript; charset=utf-8",
                            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"})

    @router.get("/console/login")
    async def console_login() -> FileResponse:
        return FileResponse(STATIC / "console" / "login.html", media_type="text/html; charset=utf-8")

    @router.get("/console", response_model=None)
    async def console(refused: ChatPage) -> Response:
        return _page("index.html", refused)

    @router.get("/console/knowledge", response_model=None)
    async def knowledge_console(refused: EditorPage) -> Response:
        return _page("knowledge.html", refused)

    @router.get("/console/analytics", response_model=None)
    async def analytics_console(refused: AnalyticsPage) -> Response:
        return _page("analytics.html", refused)

    @router.get("/console/demands", response_model=None)
    async def demands_console(refused: DemandPage) -> Response:
        return _page("demands.html", refused)

    return router


def _page(name: str, refused: Response | None) -> Response:
    if refused is not None:
        return refused
    return FileResponse(STATIC / "console" / name, media_type="text/html; charset=utf-8")


def mount_static(app: FastAPI) -> None:
    """The consoles' scripts and styles: public, the login page needs them before anyone signs in.
    A mount belongs to the app itself (routers do not carry mounts)."""
    app.mount("/console/static", StaticFiles(directory=STATIC / "console"), name="console-static")
