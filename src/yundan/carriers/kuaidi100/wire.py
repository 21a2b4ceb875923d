"""The Kuaidi100 wire format: signatures, request params, and reading answers into our types.

Why one module: the query answer and the push's ``lastResult`` share one shape, so both go through
``trace_result``; the signing rule (UPPER(MD5_hex(...))) is shared by queries and pushes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from yundan.carriers.base import Address, TraceEvent, TraceQuery, TraceResult
from yundan.carriers.kuaidi100.mapping import status_for

# Answers that mean every further call of the account fails the same way.
ACCOUNT_ERRORS = {
    "503": "验证签名失败，请检查 customer 与 key (bad signature)",
    "600": "key 无效 (invalid key)",
    "601": "key 已过期或查询额度已用完 (key expired or no quota left)",
}

QUERY_ERRORS = {
    "400": "请求数据不完整、账号未开通或快递公司编码不对 (incomplete request, account not enabled or wrong courier code)",
    "408": "手机号校验失败：顺丰、中通需要收件人或寄件人手机号后四位 (phone check failed: SF/ZTO need the last 4 digits)",
    "500": "查询无结果，请隔段时间再查 (no result yet)",
    "501": "快递100 服务器错误 (server error)",
    "502": "快递100 服务器繁忙，请稍后再查 (server busy)",
}

SUBSCRIBE_ERRORS = {
    "500": "快递100 服务器错误或参数有误 (server error or bad parameters)",
    "700": "订阅数据有误：快递公司不支持、单号为空或过长、或回调地址不对 (bad subscription data)",
    "701": "该快递公司拒绝订阅 (courier refuses subscriptions)",
    "702": "无法识别快递公司 (courier not identified)",
}

NO_RESULT = "500"
SUBSCRIBE_ACCEPTED = frozenset({"200", "501"})  # 501: already tracked, which is what we want


def sign(*parts: str) -> str:
    """UPPER(MD5_hex(concatenation)): queries sign param+key+customer, pushes param+salt."""
    return hashlib.md5("".join(parts).encode()).hexdigest().upper()


def dumps(value: dict) -> str:
    """The exact ``param`` string that is both signed and posted (signing another one gives 503)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def text(value) -> str:
    """A JSON field as a string: codes arrive as numbers or strings, missing ones as null.

    NUL characters are dropped: they mean nothing in a trace and PostgreSQL refuses them in text."""
    return "" if value is None else str(value).replace("\x00", "").strip()


def place(address: Address) -> str:
    """An origin or destination as Kuaidi100 wants ``from`` and ``to``: "province city district"."""
    return " ".join(part for part in (address.province, address.city, address.district) if part)


def _without_empty(values: dict) -> dict:
    return {key: value for key, value in values.items() if value}


def query_param(query: TraceQuery, com: str, resultv2: str) -> dict:
    return _without_empty({
        "com": com,
        "num": query.waybill_no.strip(),
        "phone": query.phone_last4.strip(),
        "from": place(query.origin),
        "to": place(query.destination),
        "resultv2": resultv2,
        "order": "desc",  # the documented default, and the order pushes use
    })


def subscribe_param(query: TraceQuery, com: str, key: str, callback_url: str, salt: str, resultv2: str) -> dict:
    return _without_empty({
        "company": com,
        "number": query.waybill_no.strip(),
        "from": place(query.origin),
        "to": place(query.destination),
        "key": key,
        "parameters": _without_empty({
            "callbackurl": callback_url,
            "salt": salt,  # only with a salt do pushes carry a sign
            "resultv2": resultv2,
            "phone": query.phone_last4.strip(),
        }),
    })


@dataclass(frozen=True)
class Refusal:
    """An error answer: ``{"result": false, "returnCode": ..., "message": ...}``."""

    code: str
    message: str

    def describe(self, table: dict[str, str]) -> str:
        if not self.code:
            return f"快递100 应答无法识别 (unrecognised answer)：{self.message[:200]}"
        meaning = table.get(self.code) or ACCOUNT_ERRORS.get(self.code) or "未知错误 (unknown error)"
        said = f"；快递100：{self.message}" if self.message and self.message not in meaning else ""
        return f"快递100 返回 {self.code}：{meaning}{said}"


def refusal(body) -> Refusal | None:
    """None for a trace answer; a trace answer may lack ``result``, so it is known by its fields."""
    if not isinstance(body, dict):
        return Refusal("", str(body))
    code = text(body.get("returnCode"))
    if "data" in body or "nu" in body or text(body.get("status")) == "200" or code == "200":
        return None
    return Refusal(code, text(body.get("message")) if code else dumps(body))


def parse_time(value: str, zone: tzinfo) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` without an offset is local time in ``zone`` (Asia/Shanghai)."""
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        moment.astimezone(UTC)  # 0001-01-01 00:00 in Beijing is before the first moment in UTC
    except (ValueError, OverflowError):
        return None
    return moment


def trace_result(waybill_no: str, body: dict, zone: tzinfo) -> TraceResult:
    """The events of a trace answer (or a push's ``lastResult``), oldest first.

    A trace's code is its ``statusCode``; the newest trace falls back to the parcel's ``state``,
    where some accounts put the sub-code. Without a code the status name is kept as the raw code.
    """
    data = body.get("data") or []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return TraceResult(waybill_no, found=False, error="快递100 轨迹 data 不是对象列表 (trace data is no list of objects)")
    timed = []
    for item in data:
        moment = parse_time(text(item.get("ftime")) or text(item.get("time")), zone)
        if moment is None:
            shown = text(item.get("ftime")) or text(item.get("time"))
            return TraceResult(waybill_no, found=False, error=f"快递100 轨迹时间「{shown}」无法识别 (bad trace time)")
        timed.append((moment, item))
    timed.sort(key=lambda pair: pair[0], reverse=True)  # newest first, keeping the wire order on ties
    state = text(body.get("state"))
    events = []
    for index, (moment, item) in enumerate(timed):
        code = text(item.get("statusCode")) or (state if index == 0 else "")
        name = text(item.get("status"))
        events.append(TraceEvent(
            time=moment,
            status=status_for(code, name),
            raw_code=code or name,
            raw_text=text(item.get("context")),
            location=text(item.get("location")) or text(item.get("areaName")),
        ))
    events.reverse()
    return TraceResult(waybill_no, events, found=bool(events))
