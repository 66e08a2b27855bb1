"""Router of /api/analytics: see desk/PROTOCOL.md. (Being written.)"""
from __future__ import annotations

from fastapi import APIRouter

from desk.routing import RouterContext


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    return router
