"""JD Open Platform (JOS, 京东开放平台) as a carrier: 京东快递 traces and waybill numbers through
the shop's JOS app. The signed call itself is ``yundan.carriers.jd.gateway``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from yundan import clock
from yundan.carriers.base import (
    Allocation,
    AllocationRequest,
    CarrierError,
    Routing,
    TraceEvent,
    TraceQuery,
    TraceResult,
)
from yundan.carriers.jd.gateway import JosClient, JosRefusal, client_from_settings, result_message
from yundan.carriers.jd.mapping import jd_time, keyword_status
from yundan.carriers.jd.settings import LDOP_TRACE, TRACE_METHODS, choice, required

WAYBILLCODE_GET = "jingdong.etms.waybillcode.get"
MAX_PRE_NUM = 100  # waybillcode.get hands out at most 100 numbers per call
CHECK_WAYBILL = "JDX000000000000"  # any well-formed number: check() only needs a signed answer
NAME = "京东开放平台 (JOS)"


def _field(entry: Mapping, *names: str) -> str:
    """The first non-empty of ``names``: the newer API is camelCase, the older snake_case."""
    for name in names:
        value = entry.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def trace_entries(body: Mapping, success_code: str) -> list[Mapping]:
    """The raw trace lines of either trace API. Raises JosRefusal for a result code other than
    ``success_code`` (ldop) — a refusal about this waybill, not the account."""
    block = body.get("querytrace_result")
    if isinstance(block, Mapping):
        code = str(block.get("code", ""))
        if code != success_code:
            raise JosRefusal(f"京东拒绝查询：{code} {result_message(block)} (trace refused)")
        return list(block.get("data") or [])
    return list(body.get("trace_api_dtos") or [])


def trace_event(entry: Mapping) -> TraceEvent:
    title = _field(entry, "opeTitle", "ope_title")
    remark = _field(entry, "opeRemark", "ope_remark")
    return TraceEvent(
        time=jd_time(_field(entry, "opeTime", "ope_time")),
        status=keyword_status(title, remark),
        raw_code=title,
        raw_text=remark or title,
        location=_field(entry, "opeName", "ope_name"),
        courier_name=_field(entry, "courier"),
        courier_phone=_field(entry, "courierTel", "courier_tel"),
    )


class JosCarrier:
    """Tracks and numbers 京东快递 parcels through the shop's own JOS app."""

    code = "jd_jos"
    name = NAME
    simulated = False

    def __init__(self, client: JosClient, customer_code: str, trace_method: str = LDOP_TRACE,
                 success_code: str = "100"):
        self.client, self.customer_code = client, customer_code
        self.trace_method, self.success_code = trace_method, success_code

    @classmethod
    def from_settings(cls, values: Mapping[str, str], *, now: Callable[[], datetime] = clock.now,
                      sleep: Callable[[float], None] = time.sleep) -> JosCarrier:
        return cls(client_from_settings(values, now=now, sleep=sleep), required(values, "customer_code"), choice(values, "trace_method", TRACE_METHODS),
                   required(values, "success_code"))

    def _trace_params(self, waybill_no: str) -> dict[str, str]:
        if self.trace_method == LDOP_TRACE:
            return {"customerCode": self.customer_code, "waybillCode": waybill_no}
        return {"waybillCode": waybill_no}

    def _trace(self, waybill_no: str) -> TraceResult:
        """One waybill's trace; a refusal or unreadable line is its error, a gateway error raises."""
        try:
            body = self.client.call(self.trace_method, self._trace_params(waybill_no))
            events = sorted((trace_event(e) for e in trace_entries(body, self.success_code)), key=lambda e: e.time)
        except JosRefusal as exc:
            return TraceResult(waybill_no, found=False, error=str(exc))
        except ValueError as exc:
            return TraceResult(waybill_no, found=False, error=f"京东轨迹的时间无法识别：{exc} (bad time)")
        return TraceResult(waybill_no, events=events, found=bool(events))

    def fetch_traces(self, queries: Sequence[TraceQuery]) -> dict[str, TraceResult]:
        """One call per waybill (JD's trace APIs take one number), several in flight at once."""
        numbers = list(dict.fromkeys(q.waybill_no for q in queries))
        return {result.waybill_no: result for result in self.client.http.map(self._trace, numbers)}

    def allocate_waybills(self, requests: Sequence[AllocationRequest]) -> list[Allocation]:
        """Numbers from waybillcode.get, at most 100 per call, in request order. JOS returns no
        routing here (that comes with 接单), so labels get an empty ``Routing``. If a later batch
        fails, the numbers of the earlier ones are dropped: JD only reserved them, nothing shipped."""
        numbers: list[str] = []
        total = len(requests)
        for start in range(0, total, MAX_PRE_NUM):
            numbers += self._allocate(min(MAX_PRE_NUM, total - start))
        return [Allocation(number, Routing()) for number in numbers]

    def _allocate(self, count: int) -> list[str]:
        body = self.client.call(WAYBILLCODE_GET, {"preNum": count, "customerCode": self.customer_code, "orderType": 0})
        info = body.get("resultInfo")
        if not isinstance(info, Mapping) or str(info.get("code", "")) != self.success_code:
            info = info if isinstance(info, Mapping) else {}
            raise CarrierError(f"京东分配运单号失败：{info.get('code', '')} {result_message(info)} (waybill allocation refused)")
        numbers = [str(n).strip() for n in info.get("deliveryIdList") or [] if str(n).strip()]
        if len(numbers) != count:
            raise CarrierError(f"京东分配运单号数量不符：要 {count} 个，得到 {len(numbers)} 个 (wrong number of waybills)")
        return numbers

    def subscribe(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        """JOS push (京东消息) is not used: tracking polls."""
        return {}

    def request_return(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        """JOS has an interception API (jingdong.ldop.receive.order.intercept) but its answer's
        shape is not known to us, so it is not called blind: the merchant asks by phone."""
        raise CarrierError("尚未接入京东拦截接口 (JOS interception not connected)")

    def check(self) -> str:
        """One signed trace call. The gateway checks app key, token and signature before the API
        looks at the number, so any API answer, even a refusal of the dummy number, proves them."""
        try:
            body = self.client.call(self.trace_method, self._trace_params(CHECK_WAYBILL))
            trace_entries(body, self.success_code)
        except JosRefusal as exc:
            return f"{NAME} 签名与授权有效；测试单号的回答：{exc}"
        return f"{NAME} 签名与授权有效 (credentials accepted)"
