"""A fake Kuaidi100 (快递100) on loopback: real-time query, subscription, and signed pushes.

It checks what the real service checks (form encoding, the MD5 sign, the phone digits SF and ZTO
ask for) and answers in its shapes, so adapter tests and benchmarks never call the real endpoint::

    with FakeKuaidi100(latency=0.02) as fake:
        fake.add_trace("YT1234567890")                 # a default three-scan delivered trace
        fake.errors["YT0000000001"] = "408"            # answer this number with an error code
        carrier = build(fake.settings(concurrency="32"))

Trace items are written oldest first (``trace_item``); answers list them newest first, as
Kuaidi100 does unless asked for ``order=asc``. ``signed_push_form`` builds what Kuaidi100 posts
to a subscription's callback URL.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

from fakes.server import FakeServer, Request

CUSTOMER = "FAKECUSTOMER0001"
KEY = "fakeAuthKey123"

# Courier codes this fake knows; any other ``com`` is answered 400 找不到对应公司.
KNOWN_COMS = frozenset({
    "jd", "shunfeng", "shunfengkuaiyun", "zhongtong", "yuantong", "shentong", "yunda", "ems",
    "youzhengguonei", "jtexpress", "debangwuliu", "huitongkuaidi",
})
PHONE_COMS = frozenset({"shunfeng", "shunfengkuaiyun", "zhongtong"})  # ask for the phone's last 4

MESSAGES = {
    "200": "提交成功",
    "400": "找不到对应公司",
    "408": "快递公司参数异常：验证码错误",
    "500": "查询无结果，请隔段时间再查",
    "501": "重复订阅",
    "502": "服务器繁忙",
    "503": "验证签名失败",
    "600": "您不是合法的订阅者（即授权Key出错）",
    "601": "POLL:KEY已过期",
    "700": "订阅数据格式错误",
    "701": "快递公司拒绝订阅",
    "702": "无法识别快递公司",
}


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


def answer(code: str, message: str = "") -> dict:
    return {"result": code == "200", "returnCode": code, "message": message or MESSAGES.get(code, "")}


def trace_item(ftime: str, context: str, code: str = "", name: str = "", area: str = "", location: str = "") -> dict:
    """One trace line as Kuaidi100 sends it; ``code`` is the ``statusCode`` (resultv2=4)."""
    item = {"time": ftime, "ftime": ftime, "context": context, "status": name, "areaName": area,
            "location": location}
    if code:
        item["statusCode"] = code
    return item


def default_trace() -> list[dict]:
    """Picked up, in transit, delivered: enough to exercise a benchmark's mapping and storing."""
    return [
        trace_item("2024-05-01 10:00:00", "【北京市】快递员已揽收", "103", "揽收", "北京,北京市"),
        trace_item("2024-05-02 06:30:00", "快件已到达【杭州转运中心】", "1002", "干线", "浙江,杭州市"),
        trace_item("2024-05-02 15:20:00", "快件已签收，签收人：本人", "301", "签收", "浙江,杭州市,西湖区"),
    ]


def last_result(number: str, com: str, items: list[dict], state: str | None = None, resultv2: str = "4",
                order: str = "desc") -> dict:
    """A trace answer (also a push's ``lastResult``) for ``items`` written oldest first.

    Without resultv2 4 or 8 Kuaidi100 sends no ``statusCode``; the top-level ``state`` defaults to
    the newest item's code."""
    data = [dict(item) for item in items]
    if resultv2 not in ("4", "8"):
        for item in data:
            item.pop("statusCode", None)
    if state is None:
        state = items[-1].get("statusCode", "0") if items else "0"
    if order != "asc":
        data.reverse()
    return {"message": "ok", "nu": number, "ischeck": "1" if state.startswith("3") else "0", "condition": "F00",
            "com": com, "status": "200", "state": state, "data": data}


def signed_push_form(last_result: dict, salt: str | None, status: str = "polling", message: str = "",
                     **fields) -> dict:
    """The form Kuaidi100 posts to a callback: ``param`` JSON and, when a salt is set (even an
    empty one), ``sign = UPPER(MD5(param + salt))``. ``fields`` adds e.g. ``comNew``, ``autoCheck``."""
    param = json.dumps({"status": status, "billstatus": "", "message": message, "autoCheck": "0", "comOld": "",
                        "comNew": "", **fields, "lastResult": last_result}, ensure_ascii=False)
    form = {"param": param}
    if salt is not None:
        form["sign"] = md5_upper(param + salt)
    return form


class FakeKuaidi100:
    def __init__(self, customer: str = CUSTOMER, key: str = KEY, latency: float = 0.0):
        self.customer, self.key = customer, key
        self._latency = latency
        self._lock = threading.Lock()
        self._in_flight = 0
        self.server = FakeServer(self.handle)
        self.reset()

    def reset(self) -> None:
        """Back to the state it was built in, so one running fake can serve many tests; requests
        still being answered (a client that timed out) finish first, so they record nothing later."""
        deadline = time.monotonic() + 5
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        self.latency = self._latency  # seconds before every answer
        self.traces: dict[str, list[dict]] = {}  # number → trace items, oldest first
        self.states: dict[str, str] = {}  # number → top-level ``state`` to send instead of the default
        self.errors: dict[str, str] = {}  # number → returnCode to answer the query with
        self.phones: dict[str, str] = {}  # number → the phone's last 4 that SF/ZTO check
        self.delays: dict[str, float] = {}  # number → extra seconds before answering it
        self.http_failures: list[int] = []  # HTTP statuses for the next requests, then normal answers
        self.subscribe_codes: dict[str, str] = {}  # number → returnCode to answer the subscription with
        self.queries: list[dict] = []  # every correctly signed query param
        self.subscriptions: dict[tuple[str, str], dict] = {}  # (company, number) → accepted param
        self.max_in_flight = 0
        self.server.requests.clear()

    def __enter__(self) -> FakeKuaidi100:
        self.server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)

    @property
    def query_url(self) -> str:
        return self.server.url("/poll/query.do")

    @property
    def subscribe_url(self) -> str:
        return self.server.url("/poll")

    def settings(self, **overrides: str) -> dict[str, str]:
        """Account settings pointing at this fake (the other keys keep their defaults)."""
        return {"customer": self.customer, "key": self.key, "query_url": self.query_url,
                "subscribe_url": self.subscribe_url, **overrides}

    def add_trace(self, number: str, items: list[dict] | None = None) -> None:
        self.traces[number] = default_trace() if items is None else items

    def handle(self, request: Request) -> tuple:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            failure = self.http_failures.pop(0) if self.http_failures else None
        try:
            if failure is not None:
                time.sleep(self.latency)
                return failure, "Service Unavailable"
            if request.method != "POST":
                return 405, "POST only"
            if request.path == "/poll/query.do":
                return 200, self._query(request)
            if request.path == "/poll":
                return 200, self._subscribe(request)
            return 404, "not found"
        finally:
            with self._lock:
                self._in_flight -= 1

    def _query(self, request: Request) -> dict:
        time.sleep(self.latency)
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return answer("400", "请使用 application/x-www-form-urlencoded")
        form = request.form
        text = form.get("param", "")
        if form.get("customer") != self.customer or form.get("sign") != md5_upper(text + self.key + self.customer):
            return answer("503")
        try:
            param = json.loads(text)
        except ValueError:
            return answer("400", "param 不是 JSON")
        self.queries.append(param)
        number, com = param.get("num", ""), param.get("com", "")
        time.sleep(self.delays.get(number, 0))
        if not number or com not in KNOWN_COMS:
            return answer("400")
        if number in self.errors:
            return answer(self.errors[number])
        if com in PHONE_COMS and number in self.phones and param.get("phone") != self.phones[number]:
            return answer("408")
        if not self.traces.get(number):
            return answer("500")
        return last_result(number, com, self.traces[number], self.states.get(number),
                           param.get("resultv2", ""), param.get("order", "desc"))

    def _subscribe(self, request: Request) -> dict:
        time.sleep(self.latency)
        form = request.form
        try:
            param = json.loads(form.get("param", ""))
        except ValueError:
            return answer("500", "param 不是 JSON")
        if form.get("schema") != "json":
            return answer("500", "schema 应为 json")
        if param.get("key") != self.key:
            return answer("600")
        number, com = param.get("number", ""), param.get("company", "")
        if number in self.subscribe_codes:
            return answer(self.subscribe_codes[number])
        callback = (param.get("parameters") or {}).get("callbackurl", "")
        if not number or len(number) > 32 or com not in KNOWN_COMS or not callback.startswith("http"):
            return answer("700")
        with self._lock:
            if (com, number) in self.subscriptions:
                return answer("501")
            self.subscriptions[(com, number)] = param
        return answer("200")
