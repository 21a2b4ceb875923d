"""Log records without personal data, as text or JSON lines, each tied to its web request.

``PersonalDataFilter`` sits on every handler (``settings.LOGGING``), so no line is written before
it has masked what it finds: phone numbers anywhere in the message, the exception text or a
string field (mobile ``138 1234 5678`` → ``1******5678``, landline ``010-65529988`` →
``010-******88``, as ``yundan.orders.receivers.mask_phone`` shows them), and receivers' names
and addresses passed as fields (``extra={"receiver_name": …}`` → ``张*``). Names and addresses
cannot be recognised in free text: code logs ids and passes receivers' data, if ever, as fields.

``RequestIdMiddleware`` gives each request an id (the proxy's ``X-Request-ID`` when it sends a
sane one), answers it in the ``X-Request-ID`` header and puts it on every record logged while
the request runs, so one request's lines can be found together.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from yundan.orders.receivers import mask_address_detail, mask_name, mask_phone, mask_phones_in_text

current_request_id: ContextVar[str | None] = ContextVar("yundan_request_id", default=None)

NAME_FIELDS = frozenset({"receiver_name", "buyer_name", "contact_name", "courier_name", "sender_name"})
PHONE_FIELDS = frozenset({"receiver_phone", "phone", "mobile", "courier_phone", "sender_phone"})
ADDRESS_FIELDS = frozenset({"receiver_address", "address", "detail_address", "sender_address"})
PERSON_FIELDS = frozenset({"receiver", "buyer", "contact", "sender"})  # a dict of one: its "name" is a name
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# A UUID (a task's or a request's id) is kept whole: its digit groups can look like a landline.
UUID = re.compile(r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")
# Attributes every record has; anything else on a record is a field passed with extra={...}.
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def mask_phones(text: str) -> str:
    """``mask_phones_in_text`` on everything but the UUIDs in ``text``."""
    pieces, done = [], 0
    for found in UUID.finditer(text):
        pieces += [mask_phones_in_text(text[done:found.start()]), found.group()]
        done = found.end()
    return "".join(pieces) + mask_phones_in_text(text[done:])


def _masked(field: str, value):
    """A field's value as it may be logged."""
    if isinstance(value, dict):
        person = field in PERSON_FIELDS
        return {key: _masked(f"receiver_{key}" if person else str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(field, item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if hasattr(value, "method") and hasattr(value, "path"):  # Django's request: its query may hold a phone
        return f"{value.method} {value.path}"
    text = str(value)
    if field in NAME_FIELDS:
        return mask_name(text)
    if field in PHONE_FIELDS:
        return mask_phone(text)
    if field in ADDRESS_FIELDS:
        return mask_address_detail(text)
    return mask_phones(text)


class PersonalDataFilter(logging.Filter):
    """Masks personal data in place (every handler after it sees the masked record) and adds
    ``request_id``. Masking twice changes nothing, so records passing several handlers are fine."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it when the handler formats
            pass
        else:
            record.msg, record.args = mask_phones(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones(record.stack_info)
        for field in set(vars(record)) - STANDARD:
            setattr(record, field, _masked(field, getattr(record, field)))
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id when in a request,
    the fields passed with ``extra``, and the exception's traceback as ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", "-") != "-":
            line["request_id"] = record.request_id
        for field in sorted(set(vars(record)) - STANDARD):  # never over the fields above
            line.setdefault(field, getattr(record, field))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response
