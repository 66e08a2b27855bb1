"""What the desk's routers need from the app: FastAPI dependencies (``Annotated[..., Depends(...)]``)
for the service, a store session and the signed-in account with its role, and ``RouterContext``
for what a router builds once per app (limiters, the search service, open console sockets)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from desk import auth
from desk.api.bodies import MAX_ROW_ID
from desk.errors import Forbidden, NotLoggedIn
from desk.models import Staff
from desk.service import DeskService
from desk.settings import DeskSettings
from desk.tickets import TicketService

if TYPE_CHECKING:  # the gateway's routers import this module
    from desk.gateway.console import ConsoleSockets

EDITOR_ROLES = ("editor", "admin")


def get_service(request: Request) -> DeskService:
    return request.app.state.service  # set by create_app


# A row number in a URL: SQLite and PostgreSQL keep them as signed 64-bit integers, so a larger
# number (or zero, or a negative one) is a 422, not a database error. Bodies use BodyRecordId.
RecordId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

ServiceDep = Annotated[DeskService, Depends(get_service)]


def get_session(service: ServiceDep) -> Iterator[Session]:
    """One transaction per request (committed when the handler returns)."""
    with service.db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_staff(request: Request, session: SessionDep) -> Staff:
    """The signed-in account of the session cookie; 401 otherwise."""
    return auth.staff_for_token(session, request.cookies.get(auth.SESSION_COOKIE))


CurrentStaff = Annotated[Staff, Depends(current_staff)]


def role_refusal(staff: Staff, roles: tuple[str, ...]) -> str | None:
    """Why ``staff`` may not go on (None: one of ``roles``): the one role check of the API, the
    pages and the upload gate."""
    if staff.role in roles:
        return None
    return f"需要以下角色之一：{'、'.join(roles)}（当前账号角色：{staff.role}）"


def require_role(*roles: str) -> Callable[..., Staff]:
    """A dependency that answers 403 unless the signed-in account has one of ``roles``."""
    def dependency(staff: CurrentStaff) -> Staff:
        refusal = role_refusal(staff, roles)
        if refusal is not None:
            raise Forbidden(refusal)
        return staff
    return dependency


# Chats, transcripts and tickets hold the public's personal data: only the roles that serve them.
ChatStaff = Annotated[Staff, Depends(require_role(*auth.CHAT_ROLES))]
EditorStaff = Annotated[Staff, Depends(require_role(*EDITOR_ROLES))]


def page_access(*roles: str) -> Callable[..., Response | None]:
    """A console page's check, answered as a browser needs it: None when the account may see the
    page, else a redirect to the login (not signed in) or to the role's own page, or a 403 text."""
    def dependency(request: Request, session: SessionDep) -> Response | None:
        try:
            staff = current_staff(request, session)
        except NotLoggedIn:
            return RedirectResponse("/console/login", status_code=303)
        refusal = role_refusal(staff, roles)
        if refusal is None:
            return None
        # Login always lands on /console: send each role on to the page it may use.
        home = auth.home_page(staff.role)
        if home is not None and home != request.url.path:
            return RedirectResponse(home, status_code=303)
        return Response(f"此页面{refusal}", status_code=403, media_type="text/plain; charset=utf-8")
    return dependency


@dataclass(frozen=True)
class RouterContext:
    service: DeskService
    settings: DeskSettings
    hub: Any  # desk.hub.Hub: publish(topic, event) pushes to /ws/console (CONSOLE_TOPIC)
    knowledge: Any  # the served indexer.search.SearchService (or a test double with the same API)
    tickets: TicketService
    consoles: ConsoleSockets  # this process's open /ws/console sockets (a logout closes its own)
    index_builder: Any = None  # desk.reindex.Builder for re-index jobs; None: the indexer CLI in a child process

    @property
    def current_staff(self) -> Callable[..., Staff]:
        """The ``current_staff`` dependency (for routers that take it from the context)."""
        return current_staff

    def require_role(self, *roles: str) -> Callable[..., Staff]:
        return require_role(*roles)
