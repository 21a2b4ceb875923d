"""Finding orders by the keys a merchant has at hand."""

from dataclasses import dataclass

from django.db.models import QuerySet

from yundan.orders.models import Order
from yundan.orders.receivers import normalize_phone
from yundan.orders.states import OrderStatus
from yundan.shipping.waybills import normalize_waybill
from yundan.text import clean_number


@dataclass(frozen=True)
class OrderQuery:
    order_no: str = ""
    buyer_id: str = ""
    phone: str = ""  # a full number, or its last 4 digits
    waybill_no: str = ""
    status: str = ""
    shop: str = ""

    def __post_init__(self):
        if self.status and self.status not in OrderStatus.values:
            raise ValueError(f"未知的订单状态「{self.status}」，应为：{', '.join(OrderStatus.values)}")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def search_orders(query: OrderQuery) -> QuerySet[Order]:
    """Orders matching every given key, newest first. Each key is an indexed equality lookup.

    Kept lean on purpose (no joins unless a key needs one): at a million orders the ORM's own
    work is most of a lookup's time. Callers that show more add it (see orders.details).
    """
    orders = Order.objects.all()
    if query.order_no:
        orders = orders.filter(order_no=clean_number(query.order_no))
    if query.buyer_id:
        orders = orders.filter(buyer_id=query.buyer_id.strip())
    if query.phone:
        phone = query.phone.strip()
        if len(_digits(phone)) == 4 and len(phone) == 4:
            orders = orders.filter(receiver_phone_last4=phone)
        else:
            orders = orders.filter(receiver_phone=normalize_phone(phone))
    if query.waybill_no:
        # A waybill number is one package, so the join yields each owning order once.
        orders = orders.filter(packages__waybill_no=normalize_waybill(query.waybill_no))
    if query.status:
        orders = orders.filter(status=query.status)
    if query.shop:
        orders = orders.filter(shop__name=query.shop)
    return orders.order_by("-ordered_at", "-id")


class OrderNotFound(LookupError):
    pass


def get_order(order_no: str, shop: str = "", orders: QuerySet[Order] | None = None) -> Order:
    """The one order with this number (in ``shop`` when given); a clear error otherwise."""
    found = (orders if orders is not None else Order.objects.all()).filter(order_no=clean_number(order_no))
    if shop:
        found = found.filter(shop__name=shop)
    matches = list(found[:2])
    if not matches:
        raise OrderNotFound(f"订单不存在：{order_no} (unknown order)")
    if len(matches) > 1:
        raise OrderNotFound(f"多个店铺都有订单 {order_no}，请指定店铺")
    return matches[0]
