"""JD Open Platform (JOS, 京东开放平台): the signed gateway call and the JOS carrier adapter.

Wire format (reference §1): a urlencoded form POST to ``/routerjson`` carrying the system
parameters, the business parameters as one JSON string (``360buy_param_json``) and an MD5
signature over all of them. The answer is wrapped in ``<method>_responce`` (sic) or, from the
gateway itself, ``error_response``; inside sits a per-API result block with its own code.
"""

from __future__ import annotations

import hashlib
import json
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
from yundan.carriers.http import CarrierHttp
from yundan.carriers.jd.mapping import SHANGHAI, TIME_FORMAT, jd_time, keyword_status
from yundan.carriers.jd.settings import LDOP_TRACE, TRACE_METHODS, choice, required, url
from yundan.carriers.settings_keys import http_settings

WAYBILLCODE_GET = "jingdong.etms.waybillcode.get"
MAX_PRE_NUM = 100  # waybillcode.get hands out at most 100 numbers per call
CHECK_WAYBILL = "JDX000000000000"  # any well-formed number: check() only needs a signed answer
NAME = "京东开放平台 (JOS)"


class JosGatewayError(CarrierError):
    """The gateway refused the call itself (``error_response``): signature, app key, token,
    method or rate. It concerns every call of the account, never one waybill."""

    def __init__(self, code: str, zh_desc: str, en_desc: str):
        self.code = code
        super().__init__(f"京东开放平台拒绝请求：错误码 {code} {zh_desc} ({en_desc or 'gateway error'})")


class JosRefusal(CarrierError):
    """The API answered but refused this request (a result code other than success)."""


def sign(params: Mapping[str, str], secret: str) -> str:
    """§1.3: sort by key, concatenate key+value, wrap in the secret, MD5 over UTF-8, upper hex.
    ``sign`` itself is never signed."""
    joined = "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign")
    return hashlib.md5(f"{secret}{joined}{secret}".encode()).hexdigest().upper()


def unwrap(method: str, answer: object) -> dict:
    """The body inside the envelope. JD spells it ``_responce``; docs and old APIs say
    ``_response``; failing both, the only top-level key (as JD's own C# and PHP SDKs read it)."""
    if not isinstance(answer, dict):
        raise CarrierError(f"京东开放平台的响应无法识别：{str(answer)[:200]} (unexpected answer)")
    error = answer.get("error_response")
    if isinstance(error, dict):
        raise JosGatewayError(str(error.get("code", "")), error.get("zh_desc") or "", error.get("en_desc") or "")
    stem = method.replace(".", "_")
    for key in (f"{stem}_responce", f"{stem}_response"):
        if isinstance(answer.get(key), dict):
            return answer[key]
    if len(answer) == 1 and isinstance(next(iter(answer.values())), dict):
        return next(iter(answer.values()))
    raise CarrierError(f"京东开放平台的响应无法识别：{json.dumps(answer, ensure_ascii=False)[:200]} (unexpected answer)")


class JosClient:
    """Signed calls to one JOS app and shop token."""

    def __init__(self, endpoint: str, app_key: str, app_secret: str, access_token: str, http: CarrierHttp,
                 now: Callable[[], datetime] = clock.now):
        self.endpoint, self.app_key, self.access_token = endpoint, app_key, access_token
        self._secret, self.http, self._now = app_secret, http, now

    def form(self, method: str, params: Mapping[str, object]) -> dict[str, str]:
        """Everything the gateway reads, signed. Empty values are left out: SDKs disagree on
        whether they are signed, so they are never sent."""
        fields = {
            "method": method,
            "app_key": self.app_key,
            "access_token": self.access_token,
            "timestamp": self._now().astimezone(SHANGHAI).strftime(TIME_FORMAT),
            "v": "2.0",
            "360buy_param_json": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
        }
        fields = {key: value for key, value in fields.items() if value}
        return fields | {"sign": sign(fields, self._secret)}

    def call(self, method: str, params: Mapping[str, object]) -> dict:
        """The unwrapped answer of ``method``. Raises JosGatewayError for ``error_response``,
        JosRefusal when the envelope's own code is not "0", CarrierError for transport trouble."""
        response = self.http.post(self.endpoint, data=self.form(method, params))
        try:
            answer = response.json()
        except ValueError:
            raise CarrierError(f"京东开放平台返回的不是 JSON：{response.text[:200]} (not JSON)") from None
        body = unwrap(method, answer)
        code = str(body.get("code", "0"))
        if code != "0":
            raise JosRefusal(f"京东开放平台返回错误：{code} {_message(body)} ({method})")
        return body


def _message(block: Mapping) -> str:
    """JD writes ``messsage`` (three s) in querytrace_result and ``message`` elsewhere."""
    return str(block.get("messsage") or block.get("message") or block.get("msg") or "")


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
            raise JosRefusal(f"京东拒绝查询：{code} {_message(block)} (trace refused)")
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
        client = JosClient(
            url(values, "endpoint"), required(values, "app_key"), required(values, "app_secret"),
            required(values, "access_token"), CarrierHttp(http_settings(values), sleep=sleep), now,
        )
        return cls(client, required(values, "customer_code"), choice(values, "trace_method", TRACE_METHODS),
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
            raise CarrierError(f"京东分配运单号失败：{info.get('code', '')} {_message(info)} (waybill allocation refused)")
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
