"""What the desk's routers (desk/api/, desk/gateway/, desk/demands/api.py) get from the app."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Depends, Request

from desk.errors import Forbidden
from desk.models import Staff
from desk.service import DeskService
from desk.settings import DeskSettings

if TYPE_CHECKING:  # the gateway's routers import this module
    from desk.gateway.console import ConsoleSockets

EDITOR_ROLES = ("editor", "admin")


@dataclass(frozen=True)
class RouterContext:
    service: DeskService
    settings: DeskSettings
    hub: Any  # desk.hub.Hub: publish(topic, event) pushes to /ws/console (CONSOLE_TOPIC)
    current_staff: Callable[..., Staff]  # FastAPI dependency: the logged-in account (401 otherwise)
    knowledge: Any  # the served indexer.search.SearchService (or a test double with the same API)
    consoles: ConsoleSockets  # this process's open /ws/console sockets (a logout closes its own)
    index_builder: Any = None  # desk.reindex.Builder for re-index jobs; None: the indexer CLI in a child process

    def require_role(self, *roles: str) -> Callable[..., Staff]:
        """A dependency that answers 403 unless the logged-in account has one of ``roles``."""
        current = self.current_staff

        def dependency(request: Request, staff: Staff = Depends(current)) -> Staff:
            if staff.role not in roles:
                raise Forbidden(f"需要以下角色之一：{'、'.join(roles)}（当前账号角色：{staff.role}）")
            return staff
        return dependency
