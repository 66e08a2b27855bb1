"""The pages the desk serves (demo page, widget script, console pages) and the health check."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from desk import auth
from desk.api.deps import EDITOR_ROLES, RouterContext
from desk.errors import NotLoggedIn

STATIC = Path(__file__).resolve().parent.parent / "static"


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    service = context.service

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
    async def console(request: Request) -> Response:
        return await console_page(request, "index.html", auth.CHAT_ROLES)

    async def console_page(request: Request, page: str, roles: tuple[str, ...]) -> Response:
        try:
            staff = await service.run(lambda s: auth.staff_for_token(s, request.cookies.get(auth.SESSION_COOKIE)))
        except NotLoggedIn:
            return RedirectResponse("/console/login", status_code=303)
        if staff.role not in roles:
            # Login always lands on /console: send each role on to the page it may use.
            home = auth.home_page(staff.role)
            if home is not None and home != request.url.path:
                return RedirectResponse(home, status_code=303)
            return Response(f"此页面需要以下角色之一：{'、'.join(roles)}（当前账号角色：{staff.role}）",
                            status_code=403, media_type="text/plain; charset=utf-8")
        return FileResponse(STATIC / "console" / page, media_type="text/html; charset=utf-8")

    @router.get("/console/knowledge", response_model=None)
    async def knowledge_console(request: Request) -> Response:
        return await console_page(request, "knowledge.html", EDITOR_ROLES)

    @router.get("/console/analytics", response_model=None)
    async def analytics_console(request: Request) -> Response:
        return await console_page(request, "analytics.html", EDITOR_ROLES)

    return router


def mount_static(app: FastAPI) -> None:
    """The consoles' scripts and styles: public, the login page needs them before anyone signs in.
    A mount belongs to the app itself (routers do not carry mounts)."""
    app.mount("/console/static", StaticFiles(directory=STATIC / "console"), name="console-static")
