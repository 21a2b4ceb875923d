"""Two processes confirm the same orders at the same moment: exactly one waybill per package."""

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from django.db import connection

from yundan.orders.models import Order, OrderItem, Shop
from yundan.shipping.models import Package
from yundan.shipping.packages import add_packages, allocate_waybills

ORDERS = 40


def database_url() -> str:
    """The test database, as another process reaches it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.fixture
def orders(transactional_db):
    shop = Shop.objects.create(name="并发店铺", sender_province="北京市", sender_city="北京市", sender_district="大兴区")
    numbers = []
    for n in range(ORDERS):
        order = Order.objects.create(
            shop=shop, order_no=f"3100000{n:05d}", receiver_name="李四", receiver_phone="13900001111",
            receiver_phone_last4="1111", receiver_province="广东省", receiver_city="深圳市",
            receiver_district="南山区", receiver_address="科技园路1号")
        OrderItem.objects.create(order=order, sku_id="100012043978", name="小米 Redmi K80", quantity=1)
        if n % 2:  # half were printed already, half get their waybill on confirm
            allocate_waybills(add_packages(order, 1, "sandbox"))
        numbers.append(order.order_no)
    return numbers


def test_two_processes_confirming_the_same_orders_make_one_waybill_per_package(orders, tmp_path):
    env = {**os.environ, "YUNDAN_DATABASE_URL": database_url(), "YUNDAN_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "yundan.cli", "ship", *orders, "--json"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]

    answers = [{r["order_no"]: r["waybill_nos"] for r in json.loads(out)} for out, _ in outputs]
    assert answers[0] == answers[1], "both processes report the same waybills"
    packages = Package.objects.filter(order__order_no__in=orders)
    assert Counter(p.order.order_no for p in packages.select_related("order")) == Counter({n: 1 for n in orders})
    assert packages.filter(shipped_at__isnull=False).count() == ORDERS
    assert len(set(packages.values_list("waybill_no", flat=True))) == ORDERS
    assert set(Order.objects.filter(order_no__in=orders).values_list("status", flat=True)) == {"shipped"}
