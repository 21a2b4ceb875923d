"""The buyer's own lookup (the seed's App → 我的订单 → 查看物流): order number + the last 4 digits of
the receiver's phone → that order's packages with their timelines, and the item names.

Anything wrong gives one answer, an empty list, whether the order does not exist or the digits do
not match; the database compares both keys in one indexed query, so a wrong pair costs the same
work as an unknown order and the page has no oracle for which order numbers exist. Typing
mistakes in the form itself (not digits, not 4 of them) are told plainly: they reveal nothing.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yundan.orders.models import Order, OrderItem
from yundan.orders.states import OrderStatus
from yundan.shipping.models import Package
from yundan.shipping.waybills import looks_like_order_no
from yundan.text import clean_number, to_half_width
from yundan.tracking.public import PublicPackage, shipped_packages

_FOUR_DIGITS = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class BuyerQuery:
    order_no: str
    phone_last4: str

    @classmethod
    def parse(cls, order_no: str, phone_last4: str) -> "BuyerQuery":
        """The form's two fields, cleaned; ValueError naming the field when one cannot be right."""
        number, digits = clean_number(order_no), "".join(to_half_width(phone_last4).split())
        if not number:
            raise ValueError(_("请输入订单号"))
        if not looks_like_order_no(number):
            raise ValueError(_("订单号应为 8–20 位数字（不是运单号）"))
        if not _FOUR_DIGITS.fullmatch(digits):
            raise ValueError(_("请输入收货人手机号的后 4 位数字"))
        return cls(number, digits)


@dataclass(frozen=True)
class BuyerOrder:
    order_no: str
    status: str  # the order's status value (orders.states.OrderStatus)
    items: tuple[tuple[str, int], ...]  # (name, quantity)
    packages: tuple[PublicPackage, ...]  # shipped packages, in parcel order
    unshipped: int  # packages the merchant has not shipped yet

    @property
    def status_label(self) -> str:
        return str(OrderStatus(self.status).label)


def find_buyer_orders(query: BuyerQuery) -> list[BuyerOrder]:
    """The orders (one per shop, normally one) with this number whose receiver phone ends in these
    4 digits, in four queries; [] for anything else, in one."""
    orders = list(Order.objects.filter(order_no=query.order_no, receiver_phone_last4=query.phone_last4)
                  .order_by("id").values_list("id", "order_no", "status"))
    if not orders:
        return []
    ids = [order_id for order_id, *_ in orders]
    items, unshipped, shipped = defaultdict(list), Counter(), defaultdict(list)
    for order_id, name, quantity in (OrderItem.objects.filter(order_id__in=ids).order_by("id")
                                     .values_list("order_id", "name", "quantity")):
        items[order_id].append((name, quantity))
    unshipped.update(Package.objects.filter(order_id__in=ids, shipped_at__isnull=True)
                     .values_list("order_id", flat=True))
    for order_id, package in shipped_packages("order_id", ids):
        shipped[order_id].append(package)
    return [BuyerOrder(order_no, status, tuple(items[pk]), tuple(shipped[pk]), unshipped[pk])
            for pk, order_no, status in orders]
