"""A merchant's data for the reliability scenarios, written through yundan's models in bulk.

Run under the deployment's environment (``Deployment.script``)::

    python seed.py shipped COUNT CARRIER PREFIX   # shipped orders, one package each, due for refresh now
    python seed.py awaiting COUNT [CARRIER]        # orders awaiting shipment, one item each (the shop's
                                                   # default carrier: sandbox unless given)

Numbers are made from the index, so a test rebuilds them without asking: order ``order_no(i)``,
waybill ``PREFIX + 13 digits``, receiver phone ``phone(i)``.
"""

from __future__ import annotations

import sys

ORDER_BASE = 310_000_000_000
SHOP = "可靠性测试店"
RECEIVER_NAME, RECEIVER_PHONE_PREFIX, RECEIVER_ADDRESS = "王小明", "139", "文三路90号"


def order_no(i: int) -> str:
    return str(ORDER_BASE + i)


def phone(i: int) -> str:
    return f"{RECEIVER_PHONE_PREFIX}{i:08d}"


def waybill_no(prefix: str, i: int) -> str:
    return f"{prefix}{1_400_000_000_000 + i}"


def _orders(count: int, status: str, items: bool, carrier: str = "sandbox"):
    from yundan import clock
    from yundan.orders.models import Order, OrderItem, Shop

    shop, _ = Shop.objects.get_or_create(name=SHOP, defaults=dict(
        default_carrier=carrier, sender_name="可靠仓", sender_phone="010-89120000", sender_province="北京市", sender_city="北京市",
        sender_district="大兴区", sender_address="科创十一街18号"))
    now = clock.now()
    orders = Order.objects.bulk_create([
        Order(shop=shop, order_no=order_no(i), buyer_id=f"jd_rel{i:06d}", ordered_at=now, amount=99, status=status,
              receiver_name=RECEIVER_NAME, receiver_phone=phone(i), receiver_phone_last4=phone(i)[-4:],
              receiver_province="浙江省", receiver_city="杭州市", receiver_district="西湖区",
              receiver_address=RECEIVER_ADDRESS)
        for i in range(count)], batch_size=2000)
    if items:
        OrderItem.objects.bulk_create([OrderItem(order=o, sku_id="100012043978", name="小米 Redmi K80", quantity=1)
                                       for o in orders], batch_size=2000)
    return orders, now


def shipped(count: int, carrier: str, prefix: str) -> None:
    from yundan.shipping.models import Package

    orders, now = _orders(count, "shipped", items=False)  # the refresh needs none
    Package.objects.bulk_create([
        Package(order=o, carrier=carrier, waybill_no=waybill_no(prefix, i), printed_at=now, print_count=1,
                shipped_at=now, next_refresh_at=now)
        for i, o in enumerate(orders)], batch_size=2000)


def awaiting(count: int, carrier: str = "sandbox") -> None:
    _orders(count, "awaiting_shipment", items=True, carrier=carrier)


if __name__ == "__main__":
    import django

    django.setup()
    action, count, *rest = sys.argv[1:]
    {"shipped": shipped, "awaiting": awaiting}[action](int(count), *rest)
