"""Order states, their allowed moves, and the JD words and codes that name them.

awaiting_shipment → shipped → finished, with the side states canceled and locked (e.g. a refund
in progress: not shippable). Printing a label never moves an order.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yundan.text import chinese


class OrderStatus(models.TextChoices):
    AWAITING_SHIPMENT = "awaiting_shipment", _("等待出库")
    SHIPPED = "shipped", _("已发货")
    FINISHED = "finished", pgettext_lazy("order status", "已完成")  # a batch job's 已完成 is "Done"
    CANCELED = "canceled", _("已取消")
    LOCKED = "locked", _("已锁定")


class InvalidTransition(ValueError):
    pass


_ALLOWED_MOVES: dict[str, frozenset[str]] = {
    OrderStatus.AWAITING_SHIPMENT: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.CANCELED, OrderStatus.LOCKED}
    ),
    OrderStatus.SHIPPED: frozenset({OrderStatus.FINISHED, OrderStatus.LOCKED}),
    # A lock is lifted back to where the order was, or ends in a cancel (refund granted).
    OrderStatus.LOCKED: frozenset(
        {OrderStatus.AWAITING_SHIPMENT, OrderStatus.SHIPPED, OrderStatus.CANCELED}
    ),
    OrderStatus.FINISHED: frozenset(),
    OrderStatus.CANCELED: frozenset(),
}


def allowed_moves(current: str) -> frozenset[str]:
    return _ALLOWED_MOVES[OrderStatus(current)]


def can_move(current: str, target: str) -> bool:
    return OrderStatus(target) in allowed_moves(current)


def check_move(current: str, target: str) -> None:
    if not can_move(current, target):
        raise InvalidTransition(
            f"订单状态不能从「{chinese(OrderStatus(current).label)}」变为「{chinese(OrderStatus(target).label)}」"
            f" (cannot move an order from {current} to {target})"
        )


# Why an order in a side state cannot be printed or shipped, in the merchant's words.
BLOCKED_REASONS: dict[str, str] = {
    OrderStatus.CANCELED: "订单已取消",
    OrderStatus.LOCKED: "订单已锁定（如退款处理中）",
}


def is_shippable(status: str) -> bool:
    return status == OrderStatus.AWAITING_SHIPMENT


# The state words of the JD merchant backend's order export (订单导出), and the order_state codes
# of the JOS order APIs (reference/jd-open-platform.md §2.7).
JD_STATE_WORDS: dict[str, str] = {
    "等待出库": OrderStatus.AWAITING_SHIPMENT,
    "待出库": OrderStatus.AWAITING_SHIPMENT,
    "等待发货": OrderStatus.AWAITING_SHIPMENT,
    "等待确认收货": OrderStatus.SHIPPED,
    "已发货": OrderStatus.SHIPPED,
    "完成": OrderStatus.FINISHED,
    "已完成": OrderStatus.FINISHED,
    "已取消": OrderStatus.CANCELED,
    "取消": OrderStatus.CANCELED,
    "锁定": OrderStatus.LOCKED,
    "已锁定": OrderStatus.LOCKED,
    "锁定订单": OrderStatus.LOCKED,
}

JD_STATE_CODES: dict[str, str] = {
    "WAIT_SELLER_STOCK_OUT": OrderStatus.AWAITING_SHIPMENT,
    "WAIT_SELLER_DELIVERY": OrderStatus.AWAITING_SHIPMENT,
    "WAIT_GOODS_RECEIVE_CONFIRM": OrderStatus.SHIPPED,
    "FINISHED_L": OrderStatus.FINISHED,
    "TRADE_CANCELED": OrderStatus.CANCELED,
    "LOCKED": OrderStatus.LOCKED,
}


def status_from_jd(text: str) -> str:
    """Map a JD state word or code onto ours; raises ValueError naming the unknown value."""
    key = text.strip()
    status = JD_STATE_WORDS.get(key) or JD_STATE_CODES.get(key.upper()) or _own_name(key)
    if status is None:
        known = "、".join(JD_STATE_WORDS)
        raise ValueError(f"未知的订单状态「{text}」，应为：{known}")
    return status


def _own_name(text: str) -> str | None:
    return text if text in OrderStatus.values else None
