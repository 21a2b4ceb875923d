"""A fake JOS gateway (京东开放平台 /routerjson) for adapter tests.

It checks what the real gateway checks, with its own independent signing code: required
system params, ``v=2.0``, the timestamp format, the app key, the token and the MD5 signature;
then it answers the trace and waybill-number APIs in JD's envelopes, odd spellings included
(``_responce``, ``messsage``). Traces come from ``traces``: waybill -> camelCase entries as
``jingdong.ldop.receive.trace.get`` sends them (the old ``jingdong.etms.trace.get`` gets the
same entries in snake_case).

Gateway codes 12 (invalid signature) and 15 (unknown method) are JD's; JD's codes for a bad
app key, a bad token or a missing parameter are not public, so the ones below are this fake's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from fakes.server import FakeServer, Request

APP_KEY, APP_SECRET, ACCESS_TOKEN, CUSTOMER_CODE = "jos-app", "jos-secret", "jos-token", "010K1234"
BAD_SIGN, BAD_METHOD = "12", "15"
BAD_APP_KEY, BAD_TOKEN, MISSING_PARAM, BAD_TIMESTAMP = "19", "20", "21", "22"  # this fake's own codes
SYSTEM_PARAMS = ("method", "app_key", "access_token", "timestamp", "v", "360buy_param_json", "sign")
LDOP_TRACE, ETMS_TRACE, WAYBILLCODE_GET = (
    "jingdong.ldop.receive.trace.get", "jingdong.etms.trace.get", "jingdong.etms.waybillcode.get",
)
SNAKE = {"opeTitle": "ope_title", "opeRemark": "ope_remark", "opeName": "ope_name", "opeTime": "ope_time"}


def expected_sign(form: dict[str, str], secret: str) -> str:
    text = secret + "".join(k + form[k] for k in sorted(form) if k != "sign") + secret
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def gateway_error(code: str, zh: str, en: str) -> tuple[int, dict]:
    return 200, {"error_response": {"code": code, "zh_desc": zh, "en_desc": en}}


@dataclass
class FakeJos:
    traces: dict[str, list[dict]] = field(default_factory=dict)
    refusals: dict[str, tuple[int, str]] = field(default_factory=dict)  # waybill -> querytrace code, text
    suffix: str = "_responce"  # envelope key = method with "_" + suffix; anything else = "only key"
    success_code: int = 100
    fail_statuses: list[int] = field(default_factory=list)  # answered, one per request, before real answers
    short_allocation: int = 0  # hand out this many numbers fewer than asked
    allocation_refusal: tuple[int, str] | None = None
    pre_nums: list[int] = field(default_factory=list)  # preNum of every waybillcode.get call
    calls: list[dict[str, str]] = field(default_factory=list)  # every form that passed the gateway
    serial: int = 0

    def server(self, latency: float = 0.0) -> FakeServer:
        return FakeServer(self.handle, latency=latency)

    def handle(self, request: Request) -> tuple:
        if self.fail_statuses:
            return self.fail_statuses.pop(0), "<html>502 Bad Gateway</html>"
        if request.method != "POST" or request.path != "/routerjson":
            return 404, "not found"
        form = request.form
        refused = self._gateway_check(form)
        if refused:
            return refused
        self.calls.append(form)
        method, params = form["method"], json.loads(form["360buy_param_json"])
        if method in (LDOP_TRACE, ETMS_TRACE):
            return 200, self._trace(method, params)
        if method == WAYBILLCODE_GET:
            return 200, self._allocate(params)
        return gateway_error(BAD_METHOD, "不存在的方法名", "Invalid Method")

    def _gateway_check(self, form: dict[str, str]) -> tuple | None:
        missing = [name for name in SYSTEM_PARAMS if not form.get(name)]
        if missing or form["v"] != "2.0":
            return gateway_error(MISSING_PARAM, f"缺少参数 {','.join(missing) or 'v'}", "Missing parameter")
        try:
            datetime.strptime(form["timestamp"], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return gateway_error(BAD_TIMESTAMP, "时间戳格式错误", "Invalid timestamp")
        if form["app_key"] != APP_KEY:
            return gateway_error(BAD_APP_KEY, "无效的app_key", "Invalid app key")
        if form["sign"] != expected_sign(form, APP_SECRET):
            return gateway_error(BAD_SIGN, "无效签名", "Invalid signature")
        if form["access_token"] != ACCESS_TOKEN:
            return gateway_error(BAD_TOKEN, "无效的access_token", "Invalid access token")
        return None

    def _envelope(self, method: str, body: dict) -> dict:
        return {method.replace(".", "_") + self.suffix: {"code": "0", **body}}

    def _trace(self, method: str, params: dict) -> dict:
        waybill = params.get("waybillCode", "")
        entries = self.traces.get(waybill, [])
        if method == ETMS_TRACE:
            dtos = [{SNAKE[k]: v for k, v in e.items() if k in SNAKE} | {"waybill_code": waybill} for e in entries]
            return self._envelope(method, {"trace_api_dtos": dtos})
        if params.get("customerCode") != CUSTOMER_CODE:
            return self._envelope(method, {"querytrace_result": {"code": 104, "messsage": "商家编码不匹配"}})
        if waybill in self.refusals:
            code, text = self.refusals[waybill]
            return self._envelope(method, {"querytrace_result": {"code": code, "messsage": text}})
        result = {"code": self.success_code, "messsage": "成功", "data": entries}
        return self._envelope(method, {"querytrace_result": result})

    def _allocate(self, params: dict) -> dict:
        count = params.get("preNum")
        self.pre_nums.append(count)
        if self.allocation_refusal or params.get("customerCode") != CUSTOMER_CODE:
            code, text = self.allocation_refusal or (104, "商家编码不匹配")
            return self._envelope(WAYBILLCODE_GET, {"resultInfo": {"code": code, "message": text}})
        if not isinstance(count, int) or not 1 <= count <= 100:
            return self._envelope(WAYBILLCODE_GET, {"resultInfo": {"code": 103, "message": "preNum 须为 1-100"}})
        numbers = []
        for _ in range(count - self.short_allocation):
            self.serial += 1
            numbers.append(f"JDX{self.serial:012d}")
        info = {"code": 100, "message": "成功", "deliveryIdList": numbers}
        return self._envelope(WAYBILLCODE_GET, {"resultInfo": info})
