"""Every HTTP and WebSocket router of the desk, in one place (the app factory includes them)."""
from __future__ import annotations

from fastapi import APIRouter

from desk import canned_replies
from desk.api import analytics, auth, conversations, demand_reports, gaps, knowledge, pages, tickets
from desk.api import policy as policy_api
from desk.api.deps import RouterContext
from desk.appointments import api as appointments
from desk.demands import api as demands
from desk.gateway import console, widget
from desk.remote_help import api as remote_help


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    for module in (pages, tickets, auth, conversations):
        router.include_router(module.build_router(context))
    router.include_router(knowledge.build_search_router(context))
    for feature in (knowledge, gaps, analytics, demands, demand_reports, console, widget):
        router.include_router(feature.build_router(context))
    router.include_router(appointments.build_router(context))
    router.include_router(canned_replies.build_router(context))
    router.include_router(policy_api.build_router(context))
    router.include_router(remote_help.build_router(context))
    return router
