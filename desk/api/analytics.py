"""Router of /api/analytics (role editor or admin) and the charting library the page loads:
see desk/PROTOCOL.md "Analytics"."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from desk import analytics, export
from desk.api.deps import EditorStaff, RouterContext
from desk.errors import DeskError

# Chart.js comes from npm (desk/frontend/package-lock.json), installed by `make frontend`.
CHART_JS = Path(__file__).resolve().parent.parent / "frontend" / "node_modules" / "chart.js" / "dist" / "chart.umd.js"


class FrontendMissing(DeskError):
    code = "frontend_missing"
    status = 503


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    offset_hours = context.settings.timezone_offset_hours

    @router.get("/api/analytics")
    async def numbers(staff: EditorStaff, days: str = "30") -> dict[str, Any]:
        window_days = parse_days(days)
        result = await context.service.run(lambda s: analytics.compute(s, window_days, offset_hours))
        return result.to_dict()

    @router.get("/api/analytics/export.csv")
    async def export_csv(staff: EditorStaff, table: str = "", days: str = "30") -> Response:
        if table not in export.TABLES:
            raise DeskError(f"table 必须是 {'、'.join(export.TABLES)} 之一，收到 {table[:40]!r}")
        span = analytics.window(parse_days(days), offset_hours)

        def work(session: Session) -> str:
            return export.export_csv(session, table, span)
        text = await context.service.run(work)
        filename = f"daofu-{table}-{datetime.datetime.now(span.zone).date().isoformat()}.csv"
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": "no-store"})

    @router.get("/console/vendor/chart.umd.js")
    async def chart_js() -> FileResponse:
        if not CHART_JS.is_file():
            raise FrontendMissing("图表库 Chart.js 尚未安装：请在项目目录运行 make frontend 后刷新页面")
        return FileResponse(CHART_JS, media_type="application/javascript; charset=utf-8")

    return router


def parse_days(raw: str) -> int:
    """The window length from the query string, 1..366 days."""
    try:
        days = int(raw.strip())
    except ValueError:
        days = 0
    if not analytics.MIN_DAYS <= days <= analytics.MAX_DAYS:
        raise DeskError(f"days 必须是 {analytics.MIN_DAYS} 到 {analytics.MAX_DAYS} 之间的整数（天数），"
                        f"收到 {raw[:20]!r}")
    return days
