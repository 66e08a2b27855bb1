"""``python -m desk``: serve the desk; ``python -m desk create-user``: add a staff account.

    python -m desk                                  # serve on DAOFU_DESK_HOST:DAOFU_DESK_PORT
    python -m desk create-user admin --role admin   # asks for the password (or --password-env VAR)
    python -m desk create-user li --role handler --department 广东省市场监督管理局
    python -m desk working-days --from 2026-09-30 --days 3   # prints the due date: 2026-10-10
    python -m desk demand-sweep                     # demand reminders, overdue marks, outbox, once
    python -m desk purge --older-than 180           # delete older chats, tickets, closed demands
"""
from __future__ import annotations

import argparse
import datetime
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from desk.auth import ROLES, create_staff
from desk.db import Database, migrate
from desk.errors import DeskError
from desk.settings import DeskSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desk", description="daofu desk")
    commands = parser.add_subparsers(dest="command")
    user = commands.add_parser("create-user", help="create a staff, editor or admin account")
    user.add_argument("username")
    user.add_argument("--role", choices=ROLES, default="staff")
    user.add_argument("--display-name", default="")
    user.add_argument("--password-env", help="read the password from this environment variable instead of asking")
    user.add_argument("--department", help="the department a handler (承办) works for, as in the department list")
    days = commands.add_parser("working-days", help="due date N working days after a date (official calendar)")
    days.add_argument("--from", dest="start", required=True, type=_iso_date, help="start date, YYYY-MM-DD")
    days.add_argument("--days", required=True, type=_working_days, help="working days, counted from the next one")
    commands.add_parser("demand-sweep", help="send demand reminders, mark overdue demands, deliver the outbox, once "
                                             "(for a scheduler when DAOFU_DEMAND_SWEEP_SECONDS=0)")
    purge = commands.add_parser("purge", help="delete conversations, answered or closed tickets and closed demands "
                                              "older than DAYS (default DAOFU_RETENTION_DAYS), with an audit line")
    purge.add_argument("--older-than", type=_retention_days, metavar="DAYS",
                       help="age in days (>= 1) beyond which data is deleted")
    purge.add_argument("--audit-file", type=Path, help="JSON-lines audit file (default var/audit/retention.jsonl)")
    args = parser.parse_args(argv)
    if args.command == "working-days":
        from desk.demands.working_days import add_working_days_estimated

        try:
            # An estimate (a year chinese-calendar lacks) is logged to stderr.
            print(add_working_days_estimated(args.start, args.days)[0].isoformat())
        except DeskError as error:
            days.error(str(error))  # exits 2, as argparse does for any other bad input
        return 0
    settings = DeskSettings.from_env()
    if args.command == "demand-sweep":
        return _demand_sweep(settings)
    if args.command == "purge":
        days_kept = args.older_than or settings.retention_days
        if not days_kept:
            purge.error("请用 --older-than DAYS 指定保留天数，或设置 DAOFU_RETENTION_DAYS（大于0）")
        return _purge(settings, days_kept, args.audit_file)
    if args.command == "create-user":
        password = os.environ.get(args.password_env, "") if args.password_env else getpass.getpass("password: ")
        migrate(settings.database_url)
        try:
            with Database(settings.database_url).session() as session:
                if args.department:
                    _seed_departments(session)
                staff = create_staff(session, args.username, password, args.role, args.display_name,
                                     args.department)
                where = f" of {args.department}" if args.department else ""
                print(f"created {staff.role} account {staff.username}{where}")
        except DeskError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0
    import uvicorn

    from desk.app import create_app

    migrate(settings.database_url)  # before the app: every replica starts on the current schema
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info",
                ws_max_size=1024 * 1024)
    return 0


def _seed_departments(session: Session) -> None:
    # A fresh store has no departments until the desk first starts: seed them as the desk would.
    from desk.demands.service import catalog_departments, seed_departments
    from indexer.settings import IndexerSettings

    seed_departments(session, catalog_departments(IndexerSettings.from_env().knowledge_base_dir / "catalog"))


def _demand_sweep(settings: DeskSettings) -> int:
    from desk.demands.outbox import LoggingSender, deliver_pending
    from desk.demands.service import DemandService

    migrate(settings.database_url)
    database = Database(settings.database_url)
    with database.session() as session:
        result = DemandService(settings).sweep(session)
    with database.session() as session:
        sent = deliver_pending(session, LoggingSender())
    print(f"reminded {result.reminded}, marked overdue {result.overdue}, notifications sent {sent}")
    return 0


def _purge(settings: DeskSettings, days: int, audit_file: Path | None) -> int:
    from desk.security.retention import AUDIT_FILE, purge, write_audit_line

    migrate(settings.database_url)
    with Database(settings.database_url).session() as session:
        result = purge(session, days)
    write_audit_line(result, days, audit_file or AUDIT_FILE)  # after the commit: the line says what is gone
    print(result.summary())
    return 0


def _retention_days(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"保留天数必须是正整数，收到 {text!r}")
    return int(text)


def _iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期必须是 YYYY-MM-DD 格式的有效日期，收到 {text!r}") from None


def _working_days(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"工作日天数必须是非负整数，收到 {text!r}")
    return int(text)


if __name__ == "__main__":
    sys.exit(main())
