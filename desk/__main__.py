"""``python -m desk``: serve the desk; ``python -m desk create-user``: add a staff account.

    python -m desk                                  # serve on DAOFU_DESK_HOST:DAOFU_DESK_PORT
    python -m desk create-user admin --role admin   # asks for the password (or --password-env VAR)
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

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
    args = parser.parse_args(argv)
    settings = DeskSettings.from_env()
    if args.command == "create-user":
        password = os.environ.get(args.password_env, "") if args.password_env else getpass.getpass("password: ")
        migrate(settings.database_url)
        try:
            with Database(settings.database_url).session() as session:
                staff = create_staff(session, args.username, password, args.role, args.display_name)
                print(f"created {staff.role} account {staff.username}")
        except DeskError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0
    import uvicorn

    from desk.app import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info",
                ws_max_size=1024 * 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
