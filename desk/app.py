"""The desk's app factory: settings, store, hub and service in, routers (desk/api/main.py),
middleware and error answers wired; nothing else lives here (see desk/PROTOCOL.md for the API)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from desk import auth
from desk.api import main as api
from desk.api.deps import EDITOR_ROLES, RouterContext, role_refusal
from desk.api.errors import install_error_handlers
from desk.api.pages import mount_static
from desk.db import Database
from desk.errors import Forbidden
from desk.gateway.console import ConsoleSockets
from desk.hub import make_hub
from desk.knowledge_client import RemoteKnowledge
from desk.rasa_client import RasaClient, shares_dialogue_state
from desk.security.headers import SecurityHeaders, UploadGate
from desk.security.origins import SameOriginWrites, parse_origins
from desk.security.widget_cors import WidgetCors
from desk.service import DeskService
from desk.settings import DeskSettings
from desk.tickets import TicketService


def create_app(settings: DeskSettings | None = None, rasa: RasaClient | None = None, knowledge: Any = None,
               index_builder: Any = None) -> FastAPI:
    """``knowledge``: the search service (default: ``served_knowledge``); ``index_builder``: how
    re-index jobs build (default: the indexer CLI in a child process; tests build in process).
    The store must be migrated first (``desk.db.migrate``): the entry point does it, never the factory."""
    settings = settings or DeskSettings.from_env()
    knowledge = knowledge or served_knowledge(settings)
    database = Database(settings.database_url)
    hub = make_hub(settings.redis_url)
    service = DeskService(settings, database, hub, rasa or RasaClient(
        settings.rasa_urls, settings.rasa_timeout, token=settings.rasa_token,
        shared=shares_dialogue_state(settings.database_url, settings.redis_url)))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        yield
        await hub.stop()
        await service.rasa.close()
        if isinstance(knowledge, RemoteKnowledge):
            knowledge.close()  # its connections; it opens new ones if the app starts again

    app = FastAPI(title="daofu desk", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service = service
    app.state.settings = settings

    async def may_upload(token: str | None) -> None:
        staff = await service.run(lambda s: auth.staff_for_token(s, token))
        refusal = role_refusal(staff, EDITOR_ROLES)
        if refusal is not None:
            raise Forbidden(refusal)

    # The last added runs first: the headers wrap everything (the gate's answers too); the gate
    # answers before any upload body is read.
    app.add_middleware(UploadGate, paths=("/api/kb/upload",), max_bytes=lambda: settings.max_upload_mb * 1024 * 1024,
                       authorize=may_upload, cookie=auth.SESSION_COOKIE)
    # Before the gate: a write from another origin is refused before anything else is looked at.
    app.add_middleware(SameOriginWrites, allowed=parse_origins(settings.allowed_origins))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(WidgetCors)  # the widget on other sites files, tracks and rates demands

    install_error_handlers(app)
    context = RouterContext(service=service, settings=settings, hub=hub, knowledge=knowledge,
                            tickets=TicketService(service), consoles=ConsoleSockets(), index_builder=index_builder)
    app.state.tickets = context.tickets
    app.include_router(api.build_router(context))
    mount_static(app)
    return app


def served_knowledge(settings: DeskSettings) -> Any:
    """Where the desk's searches go: the action server of its host (DAOFU_DESK_SEARCH_URL; one copy
    of the model and index per host), or, without it, the desk's own search service."""
    if settings.search_url.strip():
        return RemoteKnowledge(settings.search_url.strip(), settings.search_token, settings.search_timeout)
    return _LazyKnowledge()


class _LazyKnowledge:
    """The process-wide search service, loaded on first use (the desk starts without the model)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_default_knowledge(), name)


def _default_knowledge() -> Any:
    from indexer.search import get_search_service

    return get_search_service()
