"""The desk's app factory: settings, store, hub and service in, routers (desk/api/main.py),
middleware and error answers wired; nothing else lives here (see desk/PROTOCOL.md for the API)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from desk import auth
from desk.api import main as api
from desk.api.deps import EDITOR_ROLES, RouterContext
from desk.api.pages import mount_static
from desk.db import Database, migrate
from desk.errors import DeskError, Forbidden
from desk.gateway.console import ConsoleSockets
from desk.hub import make_hub
from desk.models import Staff
from desk.rasa_client import RasaClient
from desk.security.headers import SecurityHeaders, UploadGate
from desk.service import DeskService
from desk.settings import DeskSettings


def create_app(settings: DeskSettings | None = None, rasa: RasaClient | None = None, knowledge: Any = None,
               index_builder: Any = None) -> FastAPI:
    """``knowledge``: the search service (default: the process-wide one); ``index_builder``: how
    re-index jobs build (default: the indexer CLI in a child process; tests build in process)."""
    settings = settings or DeskSettings.from_env()
    migrate(settings.database_url)
    database = Database(settings.database_url)
    hub = make_hub(settings.redis_url)
    service = DeskService(settings, database, hub, rasa or RasaClient(settings.rasa_urls, settings.rasa_timeout,
                                                                  token=settings.rasa_token))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        yield
        await hub.stop()
        await service.rasa.close()

    app = FastAPI(title="daofu desk", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service = service
    app.state.settings = settings

    async def may_upload(token: str | None) -> None:
        staff = await service.run(lambda s: auth.staff_for_token(s, token))
        if staff.role not in EDITOR_ROLES:
            raise Forbidden(f"需要以下角色之一：{'、'.join(EDITOR_ROLES)}（当前账号角色：{staff.role}）")

    # The last added runs first: the headers wrap everything (the gate's answers too); the gate
    # answers before any upload body is read.
    app.add_middleware(UploadGate, paths=("/api/kb/upload",), max_bytes=lambda: settings.max_upload_mb * 1024 * 1024,
                       authorize=may_upload, cookie=auth.SESSION_COOKIE)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(DeskError)
    async def desk_error(request: Request, error: DeskError) -> JSONResponse:
        headers = {"Access-Control-Allow-Origin": "*"} if request.url.path.startswith("/api/tickets/") else None
        body: dict[str, Any] = {"detail": str(error)}
        if getattr(error, "problems", None):
            body["problems"] = error.problems  # which records of an upload or form are wrong
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            headers = {**(headers or {}), "Retry-After": str(retry_after)}
        return JSONResponse(body, status_code=error.status, headers=headers)

    def session_dependency() -> Any:
        with database.session() as session:
            yield session

    def current_staff(request: Request, session: Session = Depends(session_dependency)) -> Staff:
        return auth.staff_for_token(session, request.cookies.get(auth.SESSION_COOKIE))

    context = RouterContext(service=service, settings=settings, hub=hub, current_staff=current_staff,
                            knowledge=knowledge or _LazyKnowledge(), consoles=ConsoleSockets(),
                            index_builder=index_builder)
    app.include_router(api.build_router(context))
    mount_static(app)
    return app


class _LazyKnowledge:
    """The process-wide search service, loaded on first use (the desk starts without the model)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_default_knowledge(), name)


def _default_knowledge() -> Any:
    from indexer.search import get_search_service

    return get_search_service()
