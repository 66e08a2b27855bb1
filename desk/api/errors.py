"""How the desk answers an error, in one place: a ``DeskError`` as ``{"detail"}`` (with
``problems`` and Retry-After where it has them), a request FastAPI could not validate as 422
``{"detail", "problems"}`` in Chinese, each problem ``{"field", "label", "reason"}`` (what the
consoles show next to the form)."""
from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from desk.errors import DeskError

logger = logging.getLogger(__name__)

# The Chinese name of each field or parameter a form or the API takes (by its name in the body,
# path or query); a name missing here is shown as it is.
FIELD_LABELS = {
    # sign-in, chats and tickets
    "username": "用户名", "password": "密码", "text": "内容", "staff_id": "接手的同事", "answer": "回复内容",
    "handoff_id": "转人工序号", "ticket_id": "留言序号", "conversation_id": "对话编号", "q": "搜索内容",
    # knowledge editing
    "question": "问题", "job_id": "任务序号",
    # demands
    "category": "诉求类别", "content": "诉求内容", "enterprise_name": "企业名称", "contact_name": "联系人",
    "contact_phone": "联系电话", "department": "部门", "reason": "原因", "days": "延期天数",
    "phone_last4": "联系电话后四位", "score": "评价", "comment": "评价意见", "demand_id": "诉求序号",
    "status": "状态", "overdue": "是否超期", "name": "部门名称", "active": "是否启用", "department_id": "部门序号",
    "body": "请求内容",
}


def install_error_handlers(app: FastAPI) -> None:
    # Starlette types a handler as taking any Exception; each of ours takes the class it is registered for.
    app.add_exception_handler(DeskError, desk_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    for unreachable in STORE_UNREACHABLE:
        app.add_exception_handler(unreachable, store_unavailable)
    _document_problem_answers(app)


# What a 422 answer really holds (validation_error below), in place of FastAPI's default
# HTTPValidationError ({"detail": [...]}) in the OpenAPI document, so clients and schema-driven
# tests read the truth.
PROBLEMS_SCHEMA: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "请检查：… (the problems, in Chinese, in one sentence)"},
        # A form's problems name the field (field, label); a record's (an upload, an edited item)
        # name where it is (file, line).
        "problems": {"type": "array", "items": {
            "type": "object", "required": ["reason"],
            "properties": {"field": {"type": "string"}, "label": {"type": "string"}, "reason": {"type": "string"},
                           "file": {"type": "string"}, "line": {"type": ["integer", "null"]}}}},
    },
}


def _document_problem_answers(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {})["HTTPValidationError"] = PROBLEMS_SCHEMA
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the document


# The store's server is down or restarting (not a wrong statement: those stay 500s). The pool
# checks connections before use (desk/db.py), so the desk recovers by itself once it is back.
STORE_UNREACHABLE: tuple[type[Exception], ...] = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
                                                  sqlalchemy.exc.TimeoutError)
STORE_UNAVAILABLE_TEXT = "数据库暂时无法连接，请稍后再试；服务恢复后会自动继续。"
STORE_RETRY_SECONDS = 5


async def store_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning("store unreachable on %s %s: %s", request.method, request.url.path, error)
    return JSONResponse({"detail": STORE_UNAVAILABLE_TEXT}, status_code=503,
                        headers={"Retry-After": str(STORE_RETRY_SECONDS)})


async def desk_error(request: Request, error: DeskError) -> JSONResponse:
    # The public ticket lookup answers any origin (desk/api/tickets.py), its errors too.
    headers = {"Access-Control-Allow-Origin": "*"} if request.url.path.startswith("/api/tickets/") else None
    body: dict[str, Any] = {"detail": str(error)}
    problems = getattr(error, "problems", None)
    if problems:
        body["problems"] = problems  # which records of an upload or form are wrong
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers = {**(headers or {}), "Retry-After": str(retry_after)}
    return JSONResponse(body, status_code=error.status, headers=headers)


async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
    problems = chinese_problems(list(error.errors()))
    detail = "请检查：" + "；".join(f"{p['label']}{p['reason']}" for p in problems)
    return JSONResponse({"detail": detail, "problems": problems}, status_code=422)


def chinese_problems(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic/FastAPI validation errors as ``{"field", "label", "reason"}`` in Chinese."""
    problems = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        field = location[-1] if len(location) > 1 else (location[0] if location else "body")
        problems.append({"field": field, "label": FIELD_LABELS.get(field, field), "reason": _reason(error)})
    return problems


def _reason(error: dict[str, Any]) -> str:
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "必须填写"
    if kind == "string_too_short":
        return "不能为空" if context.get("min_length", 1) <= 1 else f"至少{context.get('min_length')}个字"
    if kind == "string_too_long":
        return f"不能超过{context.get('max_length')}个字"
    if kind in ("enum", "literal_error"):
        expected = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ").replace(", ", "、")
        return f"必须是 {expected} 之一"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "必须是整数"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于{context.get('ge', context.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于{context.get('le', context.get('lt'))}"
    if kind in ("bool_parsing", "bool_type"):
        return "必须是 true 或 false"
    if kind == "string_pattern_mismatch":
        return "格式不正确（应为4位数字）" if error.get("loc", ())[-1:] == ("phone_last4",) else "格式不正确"
    if kind == "extra_forbidden":
        return "不认识的字段，请删除"
    if kind == "json_invalid":
        return "请求内容不是有效的 JSON"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "请求内容必须是 JSON 对象"
    if kind == "string_type":
        return "必须是文字"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return "格式不正确"
