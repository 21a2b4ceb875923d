"""Every API error is one JSON shape, documented in the schema of every operation:

    {"error": {"code": "validation_error", "message": "…",
               "fields": [{"path": "orders[3].receiver.phone", "message": "…"}]}}

``code`` is a stable machine word (below); ``message`` is for people (Chinese, often with English);
``fields`` names each wrong input by its path in the request body, or by the query / path / header
parameter's name.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import Field

logger = logging.getLogger(__name__)

# status → the code used when nothing more specific applies
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 422: "validation_error", 429: "rate_limited", 500: "internal_error",
}


class FieldErrorOut(Schema):
    path: str = Field(description="出错的字段 / the wrong field: orders[3].receiver.phone, status, cursor",
                      examples=["orders[3].receiver.phone"])
    message: str = Field(examples=["手机号应为 11 位，实际 10 位"])


class ErrorBody(Schema):
    code: str = Field(description="机器可读的错误码 / machine code: " + ", ".join(sorted(set(CODES.values())))
                      + ", and per operation e.g. illegal_move, idempotency_key_reused, ambiguous_order",
                      examples=["validation_error"])
    message: str = Field(examples=["请求有误，见 fields"])
    fields: list[FieldErrorOut] = Field(default_factory=list)


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raise from a handler (or a service boundary) to answer with this error."""

    def __init__(self, status: int, message: str, code: str = "", fields: list[tuple[str, str]] = (),
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code or CODES[status]
        self.fields = [{"path": path, "message": text} for path, text in fields]
        self.headers = headers or {}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error part of an operation's ``response=``: every operation may answer 400 (a body or
    parameter that cannot be parsed), 401, 422 and 429."""
    return dict.fromkeys(sorted({400, 401, 422, 429, *statuses}), ErrorOut)


def field_path(loc: tuple | list) -> str:
    """ninja's error location → the path a client knows.

    ("body", "payload", "orders", 3, "receiver", "phone") → "orders[3].receiver.phone";
    ("query", "filters", "status") → "status"; ("query", "shop") → "shop". The location and the
    handler's parameter name are dropped (a schema parameter's fields are the client's names).
    """
    parts = list(loc)[1:]
    if len(parts) > 1:
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _respond(api: NinjaAPI, request: HttpRequest, error: ApiError) -> HttpResponse:
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    response = api.create_response(request, body, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def install_handlers(api: NinjaAPI) -> None:
    def api_error(request, exc: ApiError):
        return _respond(api, request, exc)

    def validation_error(request, exc: ValidationError):
        fields = [(field_path(e.get("loc", ())), e.get("msg", "")) for e in exc.errors]
        return _respond(api, request, ApiError(422, "请求有误，见 fields (invalid request, see fields)", fields=fields))

    def authentication_error(request, exc: AuthenticationError):
        return _respond(api, request, ApiError(
            401, "缺少或无效的 API 密钥：请在请求头 Authorization: Bearer <key> 中提供 (missing or invalid API key)",
            headers={"WWW-Authenticate": "Bearer"}))

    def http_error(request, exc: HttpError):
        return _respond(api, request, ApiError(exc.status_code, str(exc)))

    def not_found(request, exc: Http404):
        return _respond(api, request, ApiError(404, str(exc) or "Not found"))

    def unreadable(request, exc: Exception):
        # A multipart body without its boundary, too many fields, or a body over Django's limits.
        status = 413 if isinstance(exc, RequestDataTooBig) else 400
        return _respond(api, request, ApiError(status, f"请求体无法读取：{exc} (unreadable request body)"))

    def unexpected(request, exc: Exception):
        logger.exception("API error on %s %s", request.method, request.path)
        return _respond(api, request, ApiError(500, "服务器内部错误 (internal error)"))

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(AuthenticationError, authentication_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(MultiPartParserError, unreadable)
    api.add_exception_handler(SuspiciousOperation, unreadable)
    api.add_exception_handler(Exception, unexpected)
