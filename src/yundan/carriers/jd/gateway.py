"""The JOS gateway (京东开放平台 ``/routerjson``): one signed call, unwrapped.

Shared by the JOS carrier adapter (traces, waybill numbers) and the JD order sync
(``yundan.integrations``). Wire format (reference §1): a urlencoded form POST to ``/routerjson``
carrying the system parameters, the business parameters as one JSON string
(``360buy_param_json``) and an MD5 signature over all of them. The answer is wrapped in
``<method>_responce`` (sic) or, from the gateway itself, ``error_response``; inside sits a per-API
result block with its own code.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from yundan import clock
from yundan.carriers.base import CarrierError
from yundan.carriers.http import CarrierHttp
from yundan.carriers.jd.mapping import SHANGHAI, TIME_FORMAT
from yundan.carriers.jd.settings import required, url
from yundan.carriers.settings_keys import http_settings


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
            raise JosRefusal(f"京东开放平台返回错误：{code} {result_message(body)} ({method})")
        return body


def result_message(block: Mapping) -> str:
    """The text of a result block. JD writes ``messsage`` (three s) in querytrace_result and ``message`` elsewhere."""
    return str(block.get("messsage") or block.get("message") or block.get("msg") or "")


def client_from_settings(values: Mapping[str, str], *, now: Callable[[], datetime] = clock.now,
                         sleep: Callable[[float], None] = time.sleep) -> JosClient:
    """A client from the settings every JOS account has: endpoint, app_key, app_secret,
    access_token and the HTTP keys (timeout, retries, rate, concurrency)."""
    return JosClient(
        url(values, "endpoint"), required(values, "app_key"), required(values, "app_secret"),
        required(values, "access_token"), CarrierHttp(http_settings(values), sleep=sleep), now,
    )
