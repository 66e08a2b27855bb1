"""Sign-in: ``/api/login``, ``/api/logout``, ``/api/me`` (a session cookie; see desk/PROTOCOL.md)."""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from desk import auth
from desk.api.bodies import LoginBody
from desk.api.deps import CurrentStaff, RouterContext
from desk.api.views import staff_json
from desk.errors import NotLoggedIn
from desk.security.throttle import LoginThrottle


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    service, settings = context.service, context.settings
    throttle = LoginThrottle(settings.login_rate_limit, settings.login_client_rate_limit, settings.redis_url)

    @router.post("/api/login")
    async def login(body: LoginBody, request: Request) -> JSONResponse:
        client = request.client.host if request.client else ""
        await asyncio.to_thread(throttle.check, body.username, client)
        try:
            staff, token = await service.run(lambda s: auth.login(s, body.username, body.password, settings.session_hours))
        except NotLoggedIn:
            await asyncio.to_thread(throttle.failed, body.username, client)
            raise
        response = JSONResponse(staff_json(staff))
        response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="strict", secure=settings.cookie_secure,
                            max_age=int(settings.session_hours * 3600), path="/")
        return response

    @router.post("/api/logout")
    async def logout(request: Request) -> JSONResponse:
        token = request.cookies.get(auth.SESSION_COOKIE)
        await service.run(lambda s: auth.logout(s, token))
        await context.consoles.close_all(token or "")
        response = JSONResponse({})
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    @router.get("/api/me")
    def me(staff: CurrentStaff) -> dict[str, Any]:
        return staff_json(staff)

    return router
