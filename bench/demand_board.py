"""The supervisors' overdue board and the department report with 10,000 demands in the store, answered
by the desk's own routes (the FastAPI app in process: login cookie, role checks, JSON), on SQLite and
on PostgreSQL. Target (issue 12): p95 <= 200 ms each.

The store is migrated as the desk does it (so the indexes are the migrations' own) and filled with
``--demands`` demands spread over the catalog's departments and the last 300 days: every state, 8% of
the open ones overdue, replies with ratings, returns and reopens, and 3-4 history rows each.
Measured, ``--repeat`` times each after two warm-up calls:

* board: ``GET /api/demands?overdue=true`` as a supervisor (the overdue board, up to 200 rows);
* department list: ``GET /api/demands`` as a handler (its department, overdue first);
* report, all: ``GET /api/demand-reports?days=366`` (every department, the whole store);
* report, 30 days: ``GET /api/demand-reports?days=30``;
* report, one department: ``GET /api/demand-reports?days=366&department=…``.

It also prints the query plans of the board's and the report's queries (which index each uses).

    .venv/bin/python bench/demand_board.py                       # SQLite, then a throwaway PostgreSQL
    .venv/bin/python bench/demand_board.py --postgres URL        # an existing server (empty database)
    .venv/bin/python bench/demand_board.py --no-postgres --demands 2000 --repeat 20
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
# The imports below need the project root on sys.path first, hence their E402 exceptions.
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from desk.app import create_app  # noqa: E402
from desk.auth import create_staff  # noqa: E402
from desk.db import Database, migrate  # noqa: E402
from desk.demands.service import seed_departments  # noqa: E402
from desk.demands.states import DemandState  # noqa: E402
from desk.demands.working_days import add_working_days  # noqa: E402
from desk.models import Demand, DemandEvent, Department  # noqa: E402
from desk.settings import DeskSettings  # noqa: E402
from tests.browser import console_client  # noqa: E402

CATEGORIES = ("咨询", "求助", "投诉", "建议", "举报")
TEXTS = ("营业执照变更一个月了还没办下来", "稳岗补贴一直没有到账", "窗口工作人员态度不好", "建议延长周末办事时间",
         "食品经营许可证延续要多久", "社保缓缴的申请没人处理", "反映某企业无证经营", "环评审批材料被退回三次")
RATINGS = ("满意", "满意", "基本满意", "不满意")
PASSWORD = "password-bench"
TARGET_MS = 200.0
S = DemandState


def fill(database: Database, count: int, seed: int = 7) -> str:
    """``count`` demands over the departments; returns the busiest department's name."""
    rng = random.Random(seed)
    with database.session() as session:
        seed_departments(session, [f"广东省第{n:02d}厅" for n in range(1, 41)])
        departments = list(session.scalars(select(Department.id).order_by(Department.id)))
        create_staff(session, "chief", PASSWORD, "supervisor", "督办")
        busiest = session.scalar(select(Department.name).where(Department.id == departments[0]))
        assert busiest is not None
        create_staff(session, "handler", PASSWORD, "handler", "承办", busiest)
    now = datetime.datetime.now(datetime.UTC)
    today = now.date()
    weights = [1.0 / (rank + 1) for rank in range(len(departments))]  # a few busy departments, many quiet ones
    states = [S.CLOSED] * 50 + [S.REPLIED] * 8 + [S.ACCEPTED] * 15 + [S.DISPATCHED] * 10 + [S.RECEIVED] * 6 + \
        [S.EXTENSION_REQUESTED] * 3 + [S.RETURNED] * 4 + [S.REOPENED] * 4
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number in range(count):
        created = datetime.datetime.combine(today - datetime.timedelta(days=rng.randrange(300)),
                                            datetime.time(rng.randrange(1, 10)), datetime.UTC)
        start = created.date()
        limit = rng.choice((5, 10, 15))
        due = add_working_days(start, limit)
        state = rng.choice(states)
        department = None if state in (S.RECEIVED, S.RETURNED) else rng.choices(departments, weights)[0]
        replied = state in (S.REPLIED, S.CLOSED) or (state is S.REOPENED)
        replied_at = min(created + datetime.timedelta(days=rng.randrange(1, limit + 8)), now) if replied else None
        open_ = state not in (S.REPLIED, S.CLOSED)
        rows.append({
            "id": number + 1, "tracking_number": f"BNCH-{number:04X}-{rng.getrandbits(16):04X}-0000",
            "category": rng.choice(CATEGORIES), "content": rng.choice(TEXTS), "enterprise_name": f"企业{number}",
            "contact_name": "张三", "contact_phone": f"138{number:08d}", "channel": "web", "status": state.value,
            "version": 3, "department_id": department, "start_date": start, "time_limit_days": limit,
            "due_date": due, "remind_date": due, "overdue": open_ and due < today and rng.random() < 0.8,
            "reply": "已办理" if replied else None, "replied_at": replied_at,
            "closed_at": replied_at if state is S.CLOSED else None,
            "reopen_count": 1 if state is S.REOPENED or (state is S.CLOSED and rng.random() < 0.05) else 0,
            "return_count": 1 if state is S.RETURNED else 0,
            "rating": rng.choice(RATINGS) if state in (S.CLOSED, S.REOPENED) and rng.random() < 0.7 else None,
            "created_at": created, "updated_at": replied_at or created,
        })
        events.append({"demand_id": number + 1, "action": "file", "from_status": None, "to_status": "received",
                       "actor_kind": "enterprise", "actor_name": "企业", "note": "", "public": True, "created_at": created})
        if department is not None:
            events.append({"demand_id": number + 1, "action": "dispatch", "from_status": "received",
                           "to_status": "dispatched", "actor_kind": "staff", "actor_name": "应答", "note": "",
                           "public": True, "detail": {"department_id": department}, "created_at": created})
        if state is S.RETURNED:
            events.append({"demand_id": number + 1, "action": "return", "from_status": "accepted",
                           "to_status": "returned", "actor_kind": "staff", "actor_name": "承办", "note": "非本部门职责",
                           "public": False, "detail": {"department_id": rng.choice(departments)}, "created_at": created})
        if replied_at is not None:
            events.append({"demand_id": number + 1, "action": "reply", "from_status": "accepted",
                           "to_status": "replied", "actor_kind": "staff", "actor_name": "承办", "note": "",
                           "public": True, "created_at": replied_at})
    with database.session() as session:
        for chunk in range(0, len(rows), 2000):
            session.execute(insert(Demand), rows[chunk:chunk + 2000])
        for chunk in range(0, len(events), 5000):
            session.execute(insert(DemandEvent), events[chunk:chunk + 5000])
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as connection:  # explicit ids were inserted: move the sequences on
            connection.execute(text("SELECT setval('demands_id_seq', (SELECT max(id) FROM demands))"))
            connection.execute(text("ANALYZE"))
    else:
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return busiest


def plans(engine: Engine, busiest_id: int) -> dict[str, list[str]]:
    """The query plans of the overdue board's and the report's queries."""
    board = ("SELECT * FROM demands WHERE overdue = true AND status IN ('received','dispatched','accepted',"
             "'extension_requested','returned','reopened') ORDER BY due_date, id LIMIT 200")
    report = ("SELECT id, department_id, status, created_at, due_date, replied_at, rating, reopen_count FROM demands "
              "WHERE created_at >= :since AND created_at < :until")
    one = report + " AND department_id = :department"
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    params = {"since": since, "until": datetime.datetime.now(datetime.UTC), "department": busiest_id}
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for name, sql in (("board", board), ("report, 30 days", report), ("report, one department", one)):
            result = connection.execute(text(prefix + sql), params)
            found[name] = [" ".join(str(v) for v in row[-1:]) for row in result]
    return found


def timed(client: Any, url: str, repeat: int) -> tuple[list[float], Any]:
    for _ in range(2):
        client.get(url)
    times = []
    answer = None
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        times.append(1000 * (time.perf_counter() - began))
        assert response.status_code == 200, response.text
        answer = response.json()
    return times, answer


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def measure(url: str, count: int, repeat: int) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    migrate(url)
    database = Database(url)
    began = time.perf_counter()
    busiest = fill(database, count)
    filled = time.perf_counter() - began
    with database.session() as session:
        busiest_id = session.scalar(select(Department.id).where(Department.name == busiest))
        assert busiest_id is not None
    settings = DeskSettings(database_url=url, demand_sweep_seconds=0)
    app = create_app(settings)
    rows = []
    with console_client(app) as chief, console_client(app) as handler:
        for client, name in ((chief, "chief"), (handler, "handler")):
            assert client.post("/api/login", json={"username": name, "password": PASSWORD}).status_code == 200
        calls = (
            ("overdue board (supervisor)", chief, "/api/demands?overdue=true"),
            ("department list (handler)", handler, "/api/demands"),
            ("report, all departments, 366 days", chief, "/api/demand-reports?days=366"),
            ("report, all departments, 30 days", chief, "/api/demand-reports?days=30"),
            ("report, one department, 366 days", chief, f"/api/demand-reports?days=366&department={busiest}"),
        )
        for label, client, path in calls:
            times, answer = timed(client, path, repeat)
            size = len(answer) if isinstance(answer, list) else answer["total"]["received"]
            rows.append({"call": label, "rows": size, "p50": statistics.median(times), "p95": p95(times),
                         "max": max(times)})
    found = plans(database.engine, busiest_id)
    database.engine.dispose()
    print(f"  ({database.engine.dialect.name}: {count} demands filled in {filled:.1f} s)")
    return rows, found


def table(title: str, rows: list[dict[str, Any]], found: dict[str, list[str]]) -> None:
    print(f"\n{title}")
    print(f"{'call':<36} | {'rows':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7} | p95 <= {TARGET_MS:.0f} ms")
    print(f"{'-' * 36}-|-{'-' * 6}-|-{'-' * 7}-|-{'-' * 7}-|-{'-' * 7}-|-{'-' * 13}")
    for row in rows:
        verdict = "yes" if row["p95"] <= TARGET_MS else "NO"
        print(f"{row['call']:<36} | {row['rows']:>6} | {row['p50']:>7.1f} | {row['p95']:>7.1f} | {row['max']:>7.1f} | {verdict}")
    for name, lines in found.items():
        print(f"  plan, {name}: " + " / ".join(line.strip() for line in lines[:4]))


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    from tests.scale.servers import postgres_server

    with postgres_server() as server:
        yield server.create_database("demand_board")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demands", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--postgres", default="", help="SQLAlchemy URL of an empty PostgreSQL database "
                        "(default: a throwaway server from tests/scale/servers.py)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    print(f"{args.demands} demands; each call {args.repeat} times after 2 warm-up calls, in-process HTTP")
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        rows, found = measure(f"sqlite:///{Path(folder) / 'desk.sqlite3'}", args.demands, args.repeat)
        table("SQLite", rows, found)
        worst = max(worst, *(row["p95"] for row in rows))
    if not args.no_postgres:
        with contextlib.ExitStack() as stack:
            url = args.postgres or stack.enter_context(throwaway_postgres())
            rows, found = measure(url, args.demands, args.repeat)
            table("PostgreSQL", rows, found)
            worst = max(worst, *(row["p95"] for row in rows))
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
