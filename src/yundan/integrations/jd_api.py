"""The two JOS order APIs the sync calls, and reading their answers (reference §2.1, §2.4).

``jingdong.pop.order.search`` answers ``searchorderinfo_result`` = ``{apiResult{success,
chineseErrCode, englishErrCode, numberCode}, orderTotal, orderInfoList[…]}`` [C];
``jingdong.pop.order.shipment`` answers ``sopjosshipment_result`` = ``{success, chineseErrCode,
englishErrCode, errorCode}`` [C], where ``success`` may come as the string "true" [S], so true,
"true" and 1 are read alike [I].
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from yundan.carriers.jd.gateway import JosClient, JosRefusal, client_from_settings
from yundan.carriers.jd.mapping import SHANGHAI, TIME_FORMAT
from yundan.integrations.jd_settings import SyncOptions

ORDER_SEARCH = "jingdong.pop.order.search"
ORDER_SHIPMENT = "jingdong.pop.order.shipment"
BY_MODIFIED = "0"  # dateType 0: the window is on the modification time (status or waybill change)


@dataclass(frozen=True)
class SearchPage:
    total: int  # orderTotal: orders in the whole window
    orders: list  # raw orderInfo entries


def is_true(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1")


def _refusal(block: Mapping, code_key: str) -> str:
    parts = (block.get(code_key), block.get("chineseErrCode"), block.get("englishErrCode"))
    return " ".join(str(part) for part in parts if part not in (None, "")) or "没有说明 (no reason given)"


def jd_window_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime(TIME_FORMAT)


class JdOrderApi:
    """One shop's order calls through its JOS client."""

    def __init__(self, client: JosClient, options: SyncOptions):
        self.client, self.options = client, options

    def search(self, start: datetime, end: datetime, page: int) -> SearchPage:
        """One page (from 1) of the orders JD modified between ``start`` and ``end``.
        Raises JosGatewayError (credentials, token) or JosRefusal (the API said no)."""
        body = self.client.call(ORDER_SEARCH, {
            "start_date": jd_window_time(start),
            "end_date": jd_window_time(end),
            "order_state": ",".join(self.options.order_states),
            "optional_fields": self.options.optional_fields,
            "page": str(page),
            "page_size": str(self.options.page_size),
            "dateType": BY_MODIFIED,
        })
        result = body.get("searchorderinfo_result")
        if not isinstance(result, Mapping):
            raise JosRefusal(f"订单查询的响应缺少 searchorderinfo_result (no search result): {str(body)[:200]}")
        api_result = result.get("apiResult") or {}
        if not is_true(api_result.get("success")):
            raise JosRefusal(f"京东拒绝订单查询：{_refusal(api_result, 'numberCode')} (order search refused)")
        orders = result.get("orderInfoList") or []
        try:
            total = int(result.get("orderTotal") or 0)
        except (TypeError, ValueError):
            raise JosRefusal(f"orderTotal「{result.get('orderTotal')}」不是整数 (orderTotal not a number)") from None
        if not isinstance(orders, list):
            raise JosRefusal("orderInfoList 不是列表 (orderInfoList not a list)")
        return SearchPage(total, orders)

    def ship(self, order_no: str, logistics_ids: str, waybills: str) -> str:
        """Confirm shipment on JD; "" when JD accepted, else JD's reason. Raises JosGatewayError
        when the gateway refused the call itself (then no order can be reported now)."""
        try:
            body = self.client.call(ORDER_SHIPMENT, {
                "orderId": int(order_no), "logiCoprId": logistics_ids, "logiNo": waybills,
            })
        except JosRefusal as refusal:
            return str(refusal)
        result = body.get("sopjosshipment_result")
        if not isinstance(result, Mapping):
            return f"发货回传的响应缺少 sopjosshipment_result (no shipment result): {str(body)[:200]}"
        if is_true(result.get("success")):
            return ""
        return f"京东拒绝发货回传：{_refusal(result, 'errorCode')} (shipment refused)"


@contextmanager
def order_api(settings: Mapping[str, str], options: SyncOptions) -> Iterator[JdOrderApi]:
    """The shop's API for one run; its connections are closed after."""
    api = JdOrderApi(client_from_settings(settings), options)
    try:
        yield api
    finally:
        api.client.http.close()
