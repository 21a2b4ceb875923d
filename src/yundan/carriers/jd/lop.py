"""JD Logistics Open Platform (LOP, 京东物流开放平台, api.jdl.com): signed calls and the adapter.

Wire format (reference §3): the URL path is the API; the business request is a JSON array sent
as the raw body; app key, token, time and signature ride in the query. The signature covers the
exact body string, so the body is serialised once and those very bytes are both signed and sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from yundan import clock
from yundan.carriers.base import Allocation, AllocationRequest, CarrierError, TraceEvent, TraceQuery, TraceResult
from yundan.carriers.http import CarrierHttp
from yundan.carriers.jd.mapping import SHANGHAI, TIME_FORMAT, jd_time, lop_status
from yundan.carriers.jd.settings import (
    ALGORITHMS,
    MD5_SALT,
    ORDER_ORIGINS,
    SIGN_CASES,
    choice,
    code_list,
    required,
    url,
)
from yundan.carriers.settings_keys import http_settings

NAME = "京东物流开放平台 (LOP)"
CHECK_WAYBILL = "JDX000000000000"
_DIGESTS = {"HMacMD5": hashlib.md5, "HMacSHA1": hashlib.sha1, "HMacSHA256": hashlib.sha256,
            "HMacSHA512": hashlib.sha512}


def sign_text(secret: str, access_token: str, app_key: str, path: str, body: str, timestamp: str) -> str:
    """§3: fixed order, no sorting; the path stands for the method, the body for param_json."""
    return (f"{secret}access_token{access_token}app_key{app_key}method{path}param_json{body}"
            f"timestamp{timestamp}v2.0{secret}")


def sign(text: str, secret: str, algorithm: str = MD5_SALT, case: str = "upper") -> str:
    """md5-salt: MD5 hex of ``text`` (the secret is already its salt). HMAC variants: keyed with
    the secret, Base64 — case cannot apply to Base64, so ``case`` is for the hex form only.

    Upper is the default: JD's Java demo emits it, as JOS does; the Python demo emits lower.
    Both demos run against the same gateway, which therefore most likely ignores the case;
    ``sign_case=lower`` is there if UAT says otherwise."""
    if algorithm == MD5_SALT:
        digest = hashlib.md5(text.encode()).hexdigest()
        return digest.upper() if case == "upper" else digest
    mac = hmac.new(secret.encode(), text.encode(), _DIGESTS[algorithm]).digest()
    return base64.b64encode(mac).decode()


def is_success(answer: Mapping, success_code: str) -> bool:
    """``success`` decides when present (JD may send it as "true"); otherwise the code does."""
    flag = answer.get("success")
    if flag is None:
        return str(answer.get("code", "")) == success_code
    return flag is True or str(flag).lower() in ("true", "1")


class LopClient:
    """Signed calls to one LOP app and token."""

    def __init__(self, endpoint: str, app_key: str, app_secret: str, access_token: str, http: CarrierHttp, *,
                 lop_dn: str = "ECAP", algorithm: str = MD5_SALT, sign_case: str = "upper",
                 now: Callable[[], datetime] = clock.now):
        self.endpoint, self.app_key, self.access_token, self.http = endpoint, app_key, access_token, http
        self.lop_dn, self.algorithm, self.sign_case = lop_dn, algorithm, sign_case
        self._secret, self._now = app_secret, now

    def request(self, path: str, payload: object) -> tuple[dict[str, str], bytes]:
        """(query params, body bytes) of one call: the body is the string that was signed."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        timestamp = self._now().astimezone(SHANGHAI).strftime(TIME_FORMAT)
        text = sign_text(self._secret, self.access_token, self.app_key, path, body, timestamp)
        params = {
            "LOP-DN": self.lop_dn,
            "app_key": self.app_key,
            "access_token": self.access_token,
            "timestamp": timestamp,
            "v": "2.0",
            "sign": sign(text, self._secret, self.algorithm, self.sign_case),
        }
        if self.algorithm != MD5_SALT:
            params["algorithm"] = self.algorithm
        return params, body.encode()

    def call(self, path: str, payload: object) -> dict:
        params, body = self.request(path, payload)
        response = self.http.post(
            self.endpoint + path, params=params, content=body,
            headers={"content-type": "application/json;charset=utf-8", "lop-tz": "8"},
        )
        try:
            answer = response.json()
        except ValueError:
            raise CarrierError(f"京东物流开放平台返回的不是 JSON：{response.text[:200]} (not JSON)") from None
        if not isinstance(answer, dict):
            raise CarrierError(f"京东物流开放平台的响应无法识别：{response.text[:200]} (unexpected answer)")
        return answer


def trace_event(detail: Mapping) -> TraceEvent:
    """One ``traceDetails`` line. raw_code is the stage code, with the state code when given."""
    title, remark = _text(detail, "operationTitle"), _text(detail, "operationRemark")
    category, state = _text(detail, "category"), _text(detail, "state")
    return TraceEvent(
        time=jd_time(detail.get("operationTime")),
        status=lop_status(category, _text(detail, "categoryName"), title, remark),
        raw_code="/".join(part for part in (category, state) if part) or title,
        raw_text=remark or title,
        courier_name=_text(detail, "operatorName"),
        courier_phone=_text(detail, "operatorPhone"),
    )


def _text(detail: Mapping, name: str) -> str:
    """A field as text; codes may come as numbers (category 390), absent ones as None."""
    value = detail.get(name)
    return "" if value is None else str(value).strip()


class LopCarrier:
    """Tracks 京东快递 parcels through api.jdl.com; cannot number them (see allocate_waybills)."""

    code = "jd_lop"
    name = NAME
    simulated = False

    def __init__(self, client: LopClient, customer_code: str = "", *, trace_path: str = "/ecap/v1/orders/trace/query",
                 order_origin: int = 1, success_code: str = "0", account_error_codes: frozenset[str] = frozenset()):
        self.client, self.customer_code, self.trace_path = client, customer_code, trace_path
        self.order_origin, self.success_code = order_origin, success_code
        self.account_error_codes = account_error_codes

    @classmethod
    def from_settings(cls, values: Mapping[str, str], *, now: Callable[[], datetime] = clock.now,
                      sleep: Callable[[float], None] = time.sleep) -> LopCarrier:
        order_origin = int(choice(values, "order_origin", ORDER_ORIGINS))
        customer_code = (values.get("customer_code") or "").strip()
        if order_origin in (1, 2) and not customer_code:
            raise CarrierError(
                f"order_origin={order_origin} 时京东按商家编码校验运单归属，必须设置 customer_code "
                "(customer_code is required unless order_origin=0)"
            )
        trace_path = required(values, "trace_path")
        if not trace_path.startswith("/"):
            raise CarrierError(f"设置 trace_path={trace_path!r} 应以 / 开头 (trace_path must start with /)")
        client = LopClient(
            url(values, "endpoint"), required(values, "app_key"), required(values, "app_secret"),
            required(values, "access_token"), CarrierHttp(http_settings(values), sleep=sleep),
            lop_dn=required(values, "lop_dn"), algorithm=choice(values, "algorithm", ALGORITHMS),
            sign_case=choice(values, "sign_case", SIGN_CASES), now=now,
        )
        return cls(client, customer_code, trace_path=trace_path, order_origin=order_origin,
                   success_code=required(values, "success_code"),
                   account_error_codes=code_list(values, "account_error_codes"))

    def _ask(self, waybill_no: str) -> dict:
        """The raw answer for one waybill; a refusal whose code is an account code raises."""
        query = {"waybillCode": waybill_no, "orderOrigin": self.order_origin}
        if self.customer_code:
            query["customerCode"] = self.customer_code
        answer = self.client.call(self.trace_path, [query])
        if not is_success(answer, self.success_code) and str(answer.get("code", "")) in self.account_error_codes:
            raise CarrierError(_refusal(answer))
        return answer

    def _trace(self, waybill_no: str) -> TraceResult:
        answer = self._ask(waybill_no)
        if not is_success(answer, self.success_code):
            return TraceResult(waybill_no, found=False, error=_refusal(answer))
        data = answer.get("data") if isinstance(answer.get("data"), Mapping) else {}
        try:
            events = sorted((trace_event(d) for d in data.get("traceDetails") or []), key=lambda e: e.time)
        except ValueError as exc:
            return TraceResult(waybill_no, found=False, error=f"京东轨迹的时间无法识别：{exc} (bad time)")
        return TraceResult(waybill_no, events=events, found=bool(events))

    def fetch_traces(self, queries: Sequence[TraceQuery]) -> dict[str, TraceResult]:
        """One call per waybill, several in flight at once. LOP answers a bad signature with the
        same shape as a refusal of one waybill and its codes are not public: only the codes in
        ``account_error_codes`` fail the whole batch; any other refusal is that waybill's error."""
        numbers = list(dict.fromkeys(q.waybill_no for q in queries))
        return {result.waybill_no: result for result in self.client.http.map(self._trace, numbers)}

    def allocate_waybills(self, requests: Sequence[AllocationRequest]) -> list[Allocation]:
        raise CarrierError(
            f"{NAME} 账号只用于查询物流，不分配运单号；请用 JOS 账号分配 (LOP accounts only track, use a JOS account)"
        )

    def subscribe(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        """LOP trace push (/ecap/v1/orders/trace/subscribe) is not used: tracking polls."""
        return {}

    def request_return(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        raise CarrierError(f"{NAME} 账号只用于查询物流，不能拦截 (LOP accounts only track)")

    def check(self) -> str:
        """One signed trace call for a dummy number. Without a public code table a refusal of the
        number cannot be told from a refusal of the signature, so any refusal fails the check and
        shows JD's own words."""
        answer = self._ask(CHECK_WAYBILL)
        if not is_success(answer, self.success_code):
            raise CarrierError(_refusal(answer))
        return f"{NAME} 签名与授权有效 (credentials accepted)"


def _refusal(answer: Mapping) -> str:
    return f"京东物流开放平台拒绝请求：{answer.get('code', '')} {answer.get('msg') or answer.get('message') or ''} (refused)"
