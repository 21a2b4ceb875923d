"""``Kuaidi100Carrier``: real-time queries and push subscriptions through 快递100 (an aggregator).

One HTTP call per waybill (Kuaidi100 has no batch query), run concurrently by ``CarrierHttp.map``.
An answer that condemns the whole account (bad sign, key expired) stops the calls not yet sent and
raises ``CarrierError``; anything else stays the error of its own waybill.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from yundan.carriers.base import Allocation, AllocationRequest, CarrierError, TraceQuery, TraceResult
from yundan.carriers.http import CarrierHttp
from yundan.carriers.kuaidi100.config import Kuaidi100Settings
from yundan.carriers.kuaidi100.mapping import reverse_com_codes
from yundan.carriers.kuaidi100.push import PushUpdate, parse_push
from yundan.carriers.kuaidi100.wire import (
    ACCOUNT_ERRORS,
    NO_RESULT,
    QUERY_ERRORS,
    SUBSCRIBE_ACCEPTED,
    SUBSCRIBE_ERRORS,
    Refusal,
    dumps,
    query_param,
    refusal,
    sign,
    subscribe_param,
    text,
    trace_result,
)

R = TypeVar("R")

# check() asks for a number no courier has: "no result" (500) proves the signature and key work.
CHECK_COM, CHECK_NUMBER = "jd", "JD0000000000000"


class _AccountError(CarrierError):
    """Kuaidi100 refused the account itself: every further call would fail the same way."""


class Kuaidi100Carrier:
    code = "kuaidi100"
    name = "快递100"
    simulated = False

    def __init__(self, settings: Kuaidi100Settings, http: CarrierHttp | None = None):
        self.settings = settings
        # Per-waybill query limits, read by the tracking scheduler.
        self.min_interval = settings.min_interval
        self.daily_limit = settings.daily_limit
        self._http = http or CarrierHttp(settings.http)
        self._couriers = reverse_com_codes(dict(settings.com_codes))

    def allocate_waybills(self, requests: Sequence[AllocationRequest]) -> list[Allocation]:
        raise CarrierError("快递100 不分配运单号，只能查询物流 (Kuaidi100 cannot allocate waybill numbers)")

    def fetch_traces(self, queries: Sequence[TraceQuery]) -> dict[str, TraceResult]:
        return self._each(queries, self._fetch_one, lambda no, why: TraceResult(no, found=False, error=why))

    def subscribe(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        """Waybill → "" when Kuaidi100 tracks it (newly or already), else why not.

        Without a ``callback_url`` there is nowhere to push to, so nothing is subscribed."""
        if not self.settings.callback_url:
            return {}
        return self._each(queries, self._subscribe_one, lambda no, why: why)

    def request_return(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        raise CarrierError("快递100 只能查询物流，不能拦截快件 (Kuaidi100 cannot intercept)")

    def check(self) -> str:
        param = dumps({"com": CHECK_COM, "num": CHECK_NUMBER, "resultv2": self.settings.resultv2})
        problem = refusal(self._post(self.settings.query_url, self._signed(param)))
        if problem is None:
            return "快递100 签名与 key 有效，查询已应答 (credentials work)"
        if problem.code == NO_RESULT:
            return "快递100 签名与 key 有效：测试单号查询无结果，符合预期 (credentials work)"
        raise CarrierError(problem.describe(QUERY_ERRORS))

    def parse_push(self, form: Mapping[str, str]) -> PushUpdate:
        """A push to this account's callback, checked with its salt and read with its courier table."""
        return parse_push(form, self.settings.salt, zone=self.settings.zone, com_codes=self.settings.com_codes)

    def _com(self, query: TraceQuery) -> tuple[str, str]:
        """(Kuaidi100 ``com``, "") for the query's courier, or ("", why there is none)."""
        courier = query.carrier.strip().lower()
        com = self.settings.com_codes.get(courier, "")
        if com:
            return com, ""
        if not courier:
            return "", "运单没有快递公司，快递100 需要知道快递公司 (no courier on this parcel)"
        return "", f"快递100 不认识快递公司「{courier}」，可在 com_codes 设置中补充 (unknown courier)"

    def _signed(self, param: str) -> dict[str, str]:
        customer = self.settings.customer
        return {"customer": customer, "param": param, "sign": sign(param, self.settings.key, customer)}

    def _post(self, url: str, form: dict[str, str]):
        """The answer's JSON; a body that is not JSON comes back as its text (a refusal)."""
        response = self._http.post(url, data=form)
        try:
            return json.loads(response.text)
        except ValueError:
            return response.text

    def _fetch_one(self, query: TraceQuery) -> TraceResult:
        com, why = self._com(query)
        if why:
            return TraceResult(query.waybill_no, found=False, error=why)
        param = dumps(query_param(query, com, self.settings.resultv2))
        body = self._post(self.settings.query_url, self._signed(param))
        problem = refusal(body)
        if problem is None:
            return trace_result(query.waybill_no, body, self.settings.zone)
        if problem.code in ACCOUNT_ERRORS:
            raise _AccountError(problem.describe(QUERY_ERRORS))
        error = problem.describe(QUERY_ERRORS)
        if problem.code == "408" and not query.phone_last4.strip():
            error += "；本单没有手机号后四位 (no phone digits on this parcel)"
        return TraceResult(query.waybill_no, found=False, error=error)

    def _subscribe_one(self, query: TraceQuery) -> str:
        com, why = self._com(query)
        if why:
            return why
        settings = self.settings
        param = subscribe_param(query, com, settings.key, settings.callback_url, settings.salt, settings.resultv2)
        body = self._post(settings.subscribe_url, {"schema": "json", "param": dumps(param)})
        if not isinstance(body, dict):
            return Refusal("", str(body)).describe(SUBSCRIBE_ERRORS)
        problem = Refusal(text(body.get("returnCode")), text(body.get("message")))
        if problem.code in SUBSCRIBE_ACCEPTED:
            return ""
        if problem.code in ACCOUNT_ERRORS:
            raise _AccountError(problem.describe(SUBSCRIBE_ERRORS))
        return problem.describe(SUBSCRIBE_ERRORS)

    def _each(self, queries: Sequence[TraceQuery], one: Callable[[TraceQuery], R],
              failed: Callable[[str, str], R]) -> dict[str, R]:
        """``one`` per distinct waybill, concurrently; ``failed`` turns a transport error into a result.

        An account refusal, or a transport error on every waybill (the host is down), raises."""
        unique: dict[str, TraceQuery] = {}
        for query in queries:
            unique.setdefault(query.waybill_no, query)
        stop = threading.Event()

        def guarded(query: TraceQuery) -> tuple[R | None, CarrierError | None]:
            if stop.is_set():
                return None, None
            try:
                return one(query), None
            except _AccountError as error:
                stop.set()
                return None, error
            except CarrierError as error:
                return None, error

        outcomes = self._http.map(guarded, unique.values())
        errors = [error for _, error in outcomes if error is not None]
        for error in errors:
            if isinstance(error, _AccountError):
                raise CarrierError(str(error))
        if errors and len(errors) == len(outcomes):
            raise CarrierError(str(errors[0]))
        return {
            no: failed(no, str(error)) if error is not None else value
            for no, (value, error) in zip(unique, outcomes, strict=True)
        }
