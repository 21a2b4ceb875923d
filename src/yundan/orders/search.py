"""Finding orders by the keys a merchant has at hand, and paging through them."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

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
    ordered_from: date | None = None  # 下单日期 range, both ends included, in the configured time zone
    ordered_to: date | None = None

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
    # The first and the last day a date holds bound nothing, and their midnights in the configured
    # zone may lie outside what a datetime holds in UTC (0001-01-01 00:00 in Beijing does).
    if query.ordered_from and query.ordered_from > date.min:
        orders = orders.filter(ordered_at__gte=_day_start(query.ordered_from))
    if query.ordered_to and query.ordered_to < date.max:
        orders = orders.filter(ordered_at__lt=_day_start(query.ordered_to + timedelta(days=1)))
    return orders.order_by("-ordered_at", "-id")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Cursor:
    """A row's place in the search order (ordered_at desc, id desc): where a page starts or ends."""

    ordered_at: datetime | None
    id: int

    @classmethod
    def of(cls, order: Order) -> "Cursor":
        return cls(order.ordered_at, order.pk)

    def encode(self) -> str:
        return f"{self.ordered_at.isoformat() if self.ordered_at else ''}_{self.id}"

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """The inverse of ``encode``; ValueError for anything else."""
        moment, _, pk = text.rpartition("_")
        ordered_at = datetime.fromisoformat(moment) if moment else None
        if ordered_at is not None and ordered_at.tzinfo is None:
            raise ValueError("cursor time has no offset")
        return cls(ordered_at, int(pk))


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next: Cursor | None  # read on with ``after=next``
    previous: Cursor | None  # read back with ``before=previous``


def _segments(orders: QuerySet[Order], cursor: Cursor | None, forward: bool) -> list[QuerySet[Order]]:
    """The rows past ``cursor`` in reading order, as querysets to read one after the other.

    Keyset pagination: each is a range on an index that ends in ordered_at, never an OFFSET.
    Orders without an order time are a segment of their own because the databases put NULL at
    different ends (PostgreSQL first in a descending order, SQLite last).
    """
    dated, undated = orders.filter(ordered_at__isnull=False), orders.filter(ordered_at__isnull=True)
    segments = [(False, undated), (True, dated)]
    if not connection.features.nulls_order_largest:
        segments.reverse()
    if not forward:
        segments = [(kind, segment.reverse()) for kind, segment in reversed(segments)]
    if cursor is None:
        return [segment for _, segment in segments]
    moment, pk = cursor.ordered_at, cursor.id
    own = [kind for kind, _ in segments].index(moment is not None)
    rest = segments[own][1]
    if moment is None:
        rest = rest.filter(id__lt=pk) if forward else rest.filter(id__gt=pk)
    elif forward:
        rest = rest.filter(ordered_at__lte=moment).exclude(ordered_at=moment, id__gte=pk)
    else:
        rest = rest.filter(ordered_at__gte=moment).exclude(ordered_at=moment, id__lte=pk)
    return [rest] + [segment for _, segment in segments[own + 1:]]


def _read(segments: list[QuerySet[Order]], limit: int) -> list[Order]:
    rows: list[Order] = []
    for segment in segments:
        if len(rows) == limit:
            break
        rows.extend(segment[: limit - len(rows)])
    return rows


def page_orders(orders: QuerySet[Order], size: int, after: Cursor | None = None,
                before: Cursor | None = None) -> OrderPage:
    """One page of ``search_orders`` results: the first, the one after ``after`` or the one before
    ``before``. Reads at most ``size + 1`` rows and never counts the whole result."""
    if before is not None:
        rows = _read(_segments(orders, before, forward=False), size + 1)
        if len(rows) == size + 1:
            shown = rows[:size][::-1]
            return OrderPage(shown, Cursor.of(shown[-1]), Cursor.of(shown[0]))
        after = None  # back at the start: show the whole first page
    rows = _read(_segments(orders, after, forward=True), size + 1)
    shown = rows[:size]
    return OrderPage(
        shown,
        Cursor.of(shown[-1]) if len(rows) > size else None,
        Cursor.of(shown[0]) if after is not None and shown else None,
    )


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
