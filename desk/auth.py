"""Staff accounts: scrypt password hashes, login sessions (random token in a cookie, hash stored)."""
from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desk.errors import Conflict, DeskError, NotLoggedIn
from desk.models import Department, Staff, StaffSession, utcnow

# handler (承办): works its department's demands; supervisor (督办): sees all demands, the overdue board.
ROLES = ("staff", "editor", "admin", "handler", "supervisor")
# Live chats, transcripts and tickets hold the public's personal data: staff serve them, admins oversee.
# Editors work on knowledge, gaps and analytics (masked); demands have their own roles (desk/demands/api.py).
CHAT_ROLES = ("staff", "admin")
_HOME_PAGES = {"staff": "/console", "admin": "/console", "editor": "/console/knowledge",
               "handler": "/console/demands", "supervisor": "/console/demands"}
SESSION_COOKIE = "daofu_session"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt),
                               **{**_SCRYPT, "n": int(n)})
    return hmac.compare_digest(candidate.hex(), digest)


def create_staff(session: Session, username: str, password: str, role: str, display_name: str = "",
                 department: str | None = None) -> Staff:
    username = username.strip()
    if role not in ROLES:
        raise DeskError(f"角色必须是 {', '.join(ROLES)} 之一，收到 {role!r}")
    if not username or len(username) > 64:
        raise DeskError("用户名不能为空，且不超过64个字符")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DeskError(f"密码至少{MIN_PASSWORD_LENGTH}位")
    if session.scalar(select(Staff).where(Staff.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在")
    department_id = None
    if department:
        found = session.scalar(select(Department).where(Department.name == department.strip()))
        if found is None:
            raise DeskError(f"没有名为 {department.strip()} 的部门：先由管理员添加部门，或核对名称")
        department_id = found.id
    elif role == "handler":
        raise DeskError("承办人员（handler）必须指定所属部门（--department）")
    staff = Staff(username=username, display_name=display_name.strip() or username,
                  password_hash=hash_password(password), role=role, department_id=department_id)
    session.add(staff)
    session.flush()
    return staff


def login(session: Session, username: str, password: str, hours: float) -> tuple[Staff, str]:
    staff = session.scalar(select(Staff).where(Staff.username == username.strip()))
    # An unknown user costs one scrypt run against a dummy hash, exactly as a known user's check,
    # so the answer time does not tell which user names exist.
    valid = verify_password(password, staff.password_hash if staff else _dummy_hash())
    if staff is None or not staff.active or not valid:
        raise NotLoggedIn("用户名或密码错误")
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_token_hash(token), staff_id=staff.id,
                             expires_at=utcnow() + datetime.timedelta(hours=hours)))
    staff.last_seen = utcnow()
    return staff, token


def staff_for_token(session: Session, token: str | None) -> Staff:
    if not token:
        raise NotLoggedIn("请先登录")
    row = session.get(StaffSession, _token_hash(token))
    if row is None or _aware(row.expires_at) < utcnow():
        raise NotLoggedIn("登录已过期，请重新登录")
    staff = session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        raise NotLoggedIn("账号不可用")
    return staff


def logout(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def home_page(role: str) -> str | None:
    """The console page a role lands on after login (None: a role with no page)."""
    return _HOME_PAGES.get(role)


@functools.cache
def _dummy_hash() -> str:
    # Made once per process (not at import) with the same parameters as real hashes.
    return hash_password(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: datetime.datetime) -> datetime.datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
