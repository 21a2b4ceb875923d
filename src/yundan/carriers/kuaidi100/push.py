"""Kuaidi100 pushes: what its callback POST carries, checked and read into our types.

Kuaidi100 posts a form with ``param`` (a JSON string) and, when the subscription carried a salt,
``sign = UPPER(MD5(param + salt))`` over ``param`` exactly as received. Each push carries the full
trace (``lastResult``, newest first), so storing it is idempotent. The web hook replies with
``PUSH_ACCEPTED`` only after storing; anything else makes Kuaidi100 try again later.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from zoneinfo import ZoneInfo

from yundan.carriers.base import TraceResult
from yundan.carriers.kuaidi100.mapping import COM_CODES, reverse_com_codes
from yundan.carriers.kuaidi100.wire import sign, text, trace_result

PUSH_ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}

SHANGHAI = ZoneInfo("Asia/Shanghai")


def push_refused(reason: str, code: str = "500") -> dict:
    """The reply refusing a push: "400" for a push we will never accept, "500" for our own failure."""
    return {"result": False, "returnCode": code, "message": reason}


class PushRejected(Exception):
    """A push that is not Kuaidi100's or cannot be read; ``reply`` is what to answer."""

    @property
    def reply(self) -> dict:
        return push_refused(str(self), "400")


@dataclass(frozen=True)
class PushUpdate:
    status: str  # polling, shutdown (finished), abort (stopped), updateall (full re-push)
    message: str
    waybill_no: str
    courier: str  # our courier code; "" when Kuaidi100's is not in our table
    result: TraceResult  # events oldest first
    no_record: bool = False  # abort: 3天查询无记录, Kuaidi100 never found the number
    stale: bool = False  # abort: 60天无变化, a stale or lost parcel


def _verify(form: Mapping[str, str], salt: str) -> None:
    if not salt:
        return
    given = (form.get("sign") or "").strip().upper()
    if not given:
        raise PushRejected("推送缺少签名 (missing sign)")
    # As bytes: compare_digest refuses str with non-ASCII characters, and a forged sign may have some.
    if not hmac.compare_digest(given.encode(), sign(form.get("param") or "", salt).encode()):
        raise PushRejected("推送签名不符 (bad sign)")


def parse_push(form: Mapping[str, str], salt: str, *, zone: tzinfo = SHANGHAI,
               com_codes: Mapping[str, str] = COM_CODES) -> PushUpdate:
    """Check and read one push; ``PushRejected`` says why it cannot be taken.

    ``salt`` is the account's push salt: when it is empty, pushes are unsigned and not checked."""
    _verify(form, salt)
    try:
        param = json.loads(form.get("param") or "")
    except ValueError:
        raise PushRejected("推送的 param 不是有效的 JSON (bad JSON)") from None
    last = param.get("lastResult") if isinstance(param, dict) else None
    if not isinstance(last, dict) or not text(last.get("nu")):
        raise PushRejected("推送中没有运单号 lastResult.nu (no waybill)")
    waybill_no = "".join(text(last.get("nu")).split()).upper()
    status, message = text(param.get("status")), text(param.get("message"))
    com = (text(param.get("comNew")) or text(last.get("com"))).lower()
    aborted = status == "abort"
    no_record = aborted and "无记录" in message
    result = trace_result(waybill_no, last, zone)
    if result.error:  # a trace we cannot read (its shape, a time): refused whole, nothing half-stored
        raise PushRejected(result.error)
    if no_record and not result.events:
        result.error = message
    return PushUpdate(
        status=status,
        message=message,
        waybill_no=waybill_no,
        courier=reverse_com_codes(dict(com_codes)).get(com, ""),
        result=result,
        no_record=no_record,
        stale=aborted and "无变化" in message,
    )
