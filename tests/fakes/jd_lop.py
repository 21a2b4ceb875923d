"""A fake LOP gateway (京东物流开放平台, api.jdl.com) for adapter tests.

It re-signs the raw body bytes it received, with its own signing code, so a client that signs
one string and sends another fails here as it would on JD. It checks the query params, the
JSON content type and ``lop-tz``, and answers the trace query in LOP's ``{code, msg, success,
data}`` shape. Traces come from ``traces``: waybill -> ``traceDetails`` entries.

LOP's error codes are not public; ``SIGN_ERROR`` and the others are this fake's own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from fakes.server import FakeServer, Request

APP_KEY, APP_SECRET, ACCESS_TOKEN, CUSTOMER_CODE = "lop-app", "lop-secret", "lop-token", "010K5678"
TRACE_PATH = "/ecap/v1/orders/trace/query"
SIGN_ERROR, BAD_PARAMS, NOT_OWNER = "1010", "1001", "2001"  # this fake's own codes
QUERY_PARAMS = ("LOP-DN", "app_key", "access_token", "timestamp", "v", "sign")
HMACS = {"HMacMD5": hashlib.md5, "HMacSHA1": hashlib.sha1, "HMacSHA256": hashlib.sha256, "HMacSHA512": hashlib.sha512}


def expected_sign(query: dict[str, str], path: str, body: str, secret: str) -> str:
    text = "".join([
        secret, "access_token", query["access_token"], "app_key", query["app_key"], "method", path,
        "param_json", body, "timestamp", query["timestamp"], "v", query["v"], secret,
    ])
    algorithm = query.get("algorithm", "md5-salt")
    if algorithm == "md5-salt":
        return hashlib.md5(text.encode("utf-8")).hexdigest()
    return base64.b64encode(hmac.new(secret.encode(), text.encode("utf-8"), HMACS[algorithm]).digest()).decode()


def refusal(code: str, msg: str) -> tuple[int, dict]:
    return 200, {"code": code, "msg": msg, "success": False, "requestId": "fake"}


@dataclass
class FakeLop:
    traces: dict[str, list[dict]] = field(default_factory=dict)
    refusals: dict[str, tuple[str, str]] = field(default_factory=dict)  # waybill -> code, msg
    fail_statuses: list[int] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)  # every raw body that passed the checks

    def server(self, latency: float = 0.0) -> FakeServer:
        return FakeServer(self.handle, latency=latency)

    def handle(self, request: Request) -> tuple:
        if self.fail_statuses:
            return self.fail_statuses.pop(0), "<html>502 Bad Gateway</html>"
        if request.method != "POST" or request.path != TRACE_PATH:
            return 404, {"code": "404", "msg": "接口不存在", "success": False}
        query, body = request.query, request.body.decode("utf-8")
        missing = [name for name in QUERY_PARAMS if not query.get(name)]
        if missing or query["v"] != "2.0" or query["LOP-DN"] != "ECAP":
            return refusal(BAD_PARAMS, f"参数错误 {','.join(missing)}")
        json_body = request.headers.get("content-type", "").startswith("application/json")
        if not json_body or "lop-tz" not in request.headers:
            return refusal(BAD_PARAMS, "content-type 或 lop-tz 错误")
        if query["app_key"] != APP_KEY or query["access_token"] != ACCESS_TOKEN:
            return refusal(SIGN_ERROR, "app_key 或 access_token 无效")
        if query.get("algorithm", "md5-salt") not in ("md5-salt", *HMACS):
            return refusal(BAD_PARAMS, "不支持的签名算法")
        # md5-salt hex is compared without case: the reference thinks the real gateway does too.
        wanted, given = expected_sign(query, request.path, body, APP_SECRET), query["sign"]
        if given != wanted and not (query.get("algorithm", "md5-salt") == "md5-salt" and given.lower() == wanted):
            return refusal(SIGN_ERROR, "签名验证失败")
        self.bodies.append(request.body)
        return 200, self._trace(json.loads(body))

    def _trace(self, requests: list) -> dict:
        if not isinstance(requests, list) or len(requests) != 1:
            return refusal(BAD_PARAMS, "请求体须为只含一个对象的 JSON 数组")[1]
        asked = requests[0]
        waybill = asked.get("waybillCode", "")
        if asked.get("orderOrigin") in (1, 2) and asked.get("customerCode") != CUSTOMER_CODE:
            return refusal(NOT_OWNER, "运单不属于该商家编码")[1]
        if waybill in self.refusals:
            return refusal(*self.refusals[waybill])[1]
        details = self.traces.get(waybill, [])
        return {"code": 0, "msg": "成功", "success": True, "requestId": "fake",
                "data": {"collectorName": "", "collectorPhone": "", "traceDetails": details}}
