"""A fake JOS gateway (京东开放平台 /routerjson) for adapter tests.

It checks what the real gateway checks, with its own independent signing code: required
system params, ``v=2.0``, the timestamp format, the app key, the token and the MD5 signature;
then it answers the trace and waybill-number APIs in JD's envelopes, odd spellings included
(``_responce``, ``messsage``). Traces come from ``traces``: waybill -> camelCase entries as
``jingdong.ldop.receive.trace.get`` sends them (the old ``jingdong.etms.trace.get`` gets the
same entries in snake_case).

It also keeps a shop's orders (``orders``: orderId -> orderInfo as JD sends it, every value a
string) for ``jingdong.pop.order.search`` (windows by ``modified`` or ``orderStartTime``, states,
``optional_fields``, pages; refusals in ``apiResult``) and ``jingdong.pop.order.shipment`` (the
shop's carrier list, "|" and "," joining, ``success`` as the string "true" as one consumer saw it).

Gateway codes 12 (invalid signature) and 15 (unknown method) are JD's; JD's codes for a bad
app key, a bad or expired token or a missing parameter are not public, so the ones below are this
fake's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fakes.server import FakeServer, Request

APP_KEY, APP_SECRET, ACCESS_TOKEN, CUSTOMER_CODE = "jos-app", "jos-secret", "jos-token", "010K1234"
BAD_SIGN, BAD_METHOD = "12", "15"
BAD_APP_KEY, BAD_TOKEN, MISSING_PARAM, BAD_TIMESTAMP = "19", "20", "21", "22"  # this fake's own codes
SYSTEM_PARAMS = ("method", "app_key", "access_token", "timestamp", "v", "360buy_param_json", "sign")
LDOP_TRACE, ETMS_TRACE, WAYBILLCODE_GET = (
    "jingdong.ldop.receive.trace.get", "jingdong.etms.trace.get", "jingdong.etms.waybillcode.get",
)
ORDER_SEARCH, ORDER_SHIPMENT = "jingdong.pop.order.search", "jingdong.pop.order.shipment"
EXPIRED_TOKEN = "23"  # this fake's own code
JD_TIME = "%Y-%m-%d %H:%M:%S"
BEIJING = ZoneInfo("Asia/Shanghai")
SELF_DELIVERY = "1274"  # 厂家自送: no waybill
# The shop's carrier list (third-party ids: 顺丰, 圆通, 中通, 韵达; 京东快递's is unconfirmed).
SHOP_CARRIERS = frozenset({"467", "463", "1499", "1327", SELF_DELIVERY})
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
    orders: dict[str, dict] = field(default_factory=dict)  # orderId -> orderInfo
    token_expired: bool = False
    search_refusals: dict[int, tuple[str, str]] = field(default_factory=dict)  # page -> (code, text), once
    on_search: Callable[[dict], None] | None = None  # called with the params before each search answer
    shipment_refusals: dict[str, tuple[str, str]] = field(default_factory=dict)  # orderId -> (code, text)
    shipments: list[dict] = field(default_factory=list)  # params of every accepted shipment
    now: datetime = datetime(2026, 11, 27, 10, 0, tzinfo=BEIJING)  # the modified time a shipment sets

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
        if method == ORDER_SEARCH:
            return 200, self._search(params)
        if method == ORDER_SHIPMENT:
            return 200, self._ship(params)
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
        if self.token_expired:
            return gateway_error(EXPIRED_TOKEN, "access_token已过期", "Access token expired")
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

    def add_order(self, order_id: str, modified: datetime | str, **fields) -> dict:
        self.orders[order_id] = jd_order(order_id, jd_time(modified), **fields)
        return self.orders[order_id]

    def searches(self) -> list[dict]:
        """The business params of every order search that passed the gateway."""
        return [json.loads(c["360buy_param_json"]) for c in self.calls if c["method"] == ORDER_SEARCH]

    def _search_refused(self, code: str, text: str) -> dict:
        api_result = {"success": False, "chineseErrCode": text, "englishErrCode": "", "numberCode": code}
        return self._envelope(ORDER_SEARCH, {"searchorderinfo_result": {"apiResult": api_result}})

    def _search(self, params: dict) -> dict:
        """§2.1: a window on ``modified`` (dateType 0) or ``orderStartTime`` (1) of at most a month,
        both ends inclusive, the listed states only, ``optional_fields`` only, ascending unless
        sortType=1, pages from 1 of at most 100."""
        if self.on_search:
            self.on_search(params)
        page = int(params.get("page") or 0)
        if page in self.search_refusals:
            return self._search_refused(*self.search_refusals.pop(page))
        try:
            start, end = (datetime.strptime(params[key], JD_TIME) for key in ("start_date", "end_date"))
            size = int(params.get("page_size") or 20)
        except (KeyError, ValueError):
            return self._search_refused("1001", "start_date/end_date 格式错误")
        fields = [f for f in str(params.get("optional_fields") or "").split(",") if f]
        states = set(str(params.get("order_state") or "").split(","))
        if not fields or not states - {""} or page < 1 or not 1 <= size <= 100:
            return self._search_refused("1002", "optional_fields、order_state、page、page_size 有误")
        if end - start > timedelta(days=31) or end < start:
            return self._search_refused("1003", "时间跨度不能超过一个月")
        key = "orderStartTime" if str(params.get("dateType")) == "1" else "modified"
        found = sorted(
            (o for o in self.orders.values()
             if o["orderState"] in states and start <= datetime.strptime(o[key], JD_TIME) <= end),
            key=lambda o: (o[key], o["orderId"]), reverse=str(params.get("sortType")) == "1",
        )
        chosen = [{f: o[f] for f in fields if f in o} for o in found[(page - 1) * size: page * size]]
        api_result = {"success": True, "chineseErrCode": "成功", "englishErrCode": "success", "numberCode": "0"}
        result = {"apiResult": api_result, "orderTotal": len(found), "orderInfoList": chosen}
        return self._envelope(ORDER_SEARCH, {"searchorderinfo_result": result})

    def _shipment_answer(self, success: bool | str, code: str = "", text: str = "") -> dict:
        result = {"success": success, "chineseErrCode": text, "englishErrCode": "", "errorCode": code}
        return self._envelope(ORDER_SHIPMENT, {"sopjosshipment_result": result})

    def _ship(self, params: dict) -> dict:
        """§2.4: orderId (a number), logiCoprId ("|" between carriers, each on the shop's list),
        logiNo (the same groups, "," within one; none for 厂家自送)."""
        order_id = str(params.get("orderId", ""))
        if not isinstance(params.get("orderId"), int) or order_id not in self.orders:
            return self._shipment_answer(False, "10100", "订单不存在")
        if order_id in self.shipment_refusals:
            return self._shipment_answer(False, *self.shipment_refusals[order_id])
        order = self.orders[order_id]
        if order["orderState"] != "WAIT_SELLER_STOCK_OUT":
            return self._shipment_answer(False, "10200", "订单状态不是等待出库")
        ids = str(params.get("logiCoprId") or "").split("|")
        groups = str(params.get("logiNo") or "").split("|")
        if not all(i in SHOP_CARRIERS for i in ids):
            return self._shipment_answer(False, "10300", "物流公司不在商家的物流公司列表中")
        if len(groups) != len(ids) or any(not g and i != SELF_DELIVERY for i, g in zip(ids, groups, strict=False)):
            return self._shipment_answer(False, "10400", "物流公司与运单号不对应")
        self.shipments.append(params)
        order.update(orderState="WAIT_GOODS_RECEIVE_CONFIRM", waybill=params["logiNo"],
                     logisticsId=params["logiCoprId"], modified=jd_time(self.now))
        return self._shipment_answer("true")


def jd_time(moment: datetime | str) -> str:
    """A moment as JD writes it: Beijing time to the second (naive moments are Beijing time)."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING).replace(tzinfo=None)
    return moment.strftime(JD_TIME)


def jd_order(order_id: str, modified: str, state: str = "WAIT_SELLER_STOCK_OUT", **fields) -> dict:
    """A realistic ``orderInfo`` (§2.3) as JD sends it: ids, amounts and quantities as strings."""
    info = {
        "orderId": order_id, "venderId": "10086", "orderType": "22", "payType": "4",
        "orderTotalPrice": "199.00", "orderSellerPrice": "189.00", "orderPayment": "189.00", "freightPrice": "0.00",
        "orderState": state, "orderStateRemark": "等待出库", "orderRemark": "", "venderRemark": "",
        "orderStartTime": "2026-11-20 09:15:00", "orderEndTime": "0001-01-01 00:00:00",
        "paymentConfirmTime": "2026-11-20 09:16:02", "modified": modified, "pin": "jd_buyer01",
        "consigneeInfo": {
            "fullname": "张三", "mobile": "13812345678", "telephone": "", "province": "浙江",
            "city": "杭州市", "county": "西湖区", "town": "", "fullAddress": "浙江杭州市西湖区文三路90号1号楼302室",
            "provinceId": "15", "cityId": "1213", "countyId": "3411", "townId": "0",
        },
        "itemInfoList": [{"skuId": "100012043978", "outerSkuId": "", "skuName": "保温杯 500ml 黑色",
                          "jdPrice": "99.50", "wareId": "10001", "itemTotal": "2"}],
        "waybill": "", "logisticsId": "",
    }
    return info | fields
