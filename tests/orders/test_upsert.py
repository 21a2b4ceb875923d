from datetime import datetime
from decimal import Decimal

import pytest
from factories import NOW

from yundan.orders.models import Order, OrderItem
from yundan.orders.states import OrderStatus
from yundan.orders.upsert import ItemInput, OrderInput, ReceiverInput, upsert_orders
from yundan.shipping.models import Package, PackageItem

pytestmark = pytest.mark.django_db

ORDER_A, ORDER_B = "312345678901", "312345678902"


def order(order_no=ORDER_A, **fields) -> OrderInput:
    values = dict(
        status="awaiting_shipment", buyer_id="jd_buyer01", ordered_at="2026-11-20T10:23:45+08:00",
        amount="199.00", remark="周末送",
        receiver=ReceiverInput(name="张三", phone="138-1234-5678", province="浙江省", city="杭州市",
                               district="西湖区", address="文三路90号1号楼302室"),
        items=[ItemInput("100012345678", "保温杯", 2)],
    )
    values.update(fields)
    return OrderInput(order_no, **values)


def test_a_new_order_is_created_with_receiver_and_items(shop):
    [result] = upsert_orders(shop, [order()])

    assert (result.order_no, result.outcome, result.errors) == (ORDER_A, "created", [])
    stored = Order.objects.get()
    assert stored.receiver_phone == "13812345678"
    assert stored.receiver_phone_last4 == "5678"
    assert stored.amount == Decimal("199.00")
    assert stored.ordered_at == datetime.fromisoformat("2026-11-20T10:23:45+08:00")
    assert [(i.sku_id, i.name, i.quantity) for i in stored.items.all()] == [("100012345678", "保温杯", 2)]


def test_sending_the_same_order_again_changes_nothing(shop):
    upsert_orders(shop, [order()])
    before = Order.objects.get().updated_at

    [result] = upsert_orders(shop, [order()])

    assert result.outcome == "unchanged"
    assert Order.objects.get().updated_at == before


def test_a_changed_field_or_item_updates_the_order_in_place(shop):
    upsert_orders(shop, [order()])

    results = upsert_orders(shop, [order(remark="改为工作日送")])
    assert results[0].outcome == "updated"
    results = upsert_orders(shop, [order(remark="改为工作日送", items=[ItemInput("100012345678", "保温杯", 3)])])
    assert results[0].outcome == "updated"

    stored = Order.objects.get()
    assert stored.remark == "改为工作日送"
    assert list(stored.items.values_list("quantity", flat=True)) == [3]


def test_items_omitted_keep_the_stored_items_and_the_packages_pointing_at_them(shop):
    upsert_orders(shop, [order()])
    stored = Order.objects.get()
    item = stored.items.get()
    package = Package.objects.create(order=stored, carrier="sandbox")
    PackageItem.objects.create(package=package, order_item=item, quantity=2)

    [result] = upsert_orders(shop, [order(items=None, remark="")])

    assert result.outcome == "updated"
    assert PackageItem.objects.get().order_item_id == item.pk


def test_orders_are_idempotent_per_shop_not_across_shops(shop):
    other = type(shop).objects.create(name="第二店铺")
    upsert_orders(shop, [order()])

    [result] = upsert_orders(other, [order()])

    assert result.outcome == "created"
    assert Order.objects.filter(order_no=ORDER_A).count() == 2


def test_bad_fields_reject_the_order_with_each_path_and_nothing_is_written(shop):
    bad = order(
        ordered_at="yesterday", amount="-3", status="已发出",
        receiver=ReceiverInput(name="张三", phone="1381234567", address="x" * 300),
        items=[ItemInput("1", "杯", 1), ItemInput("", "盖", "0")],
    )

    [result] = upsert_orders(shop, [bad])

    assert result.outcome == "rejected"
    paths = [error.path for error in result.errors]
    assert paths == ["status", "ordered_at", "amount", "receiver.phone", "receiver.address",
                     "items[1].sku_id", "items[1].quantity"]
    assert "11 位" in result.errors[3].message
    assert not Order.objects.exists() and not OrderItem.objects.exists()


def test_a_rejected_order_does_not_block_the_others(shop):
    results = upsert_orders(shop, [order(order_no="abc"), order(ORDER_B)])

    assert [(r.order_no, r.outcome) for r in results] == [("abc", "rejected"), (ORDER_B, "created")]
    assert results[0].errors[0].path == "order_no"
    assert list(Order.objects.values_list("order_no", flat=True)) == [ORDER_B]


def test_a_stale_status_does_not_move_a_shipped_order_back(shop):
    upsert_orders(shop, [order()])
    Order.objects.update(status=OrderStatus.SHIPPED)

    [result] = upsert_orders(shop, [order(remark="新备注")])

    assert result.outcome == "updated"
    assert "保留当前状态" in result.warnings[0]
    assert Order.objects.get().status == OrderStatus.SHIPPED


def test_jd_state_words_and_codes_are_understood(shop):
    results = upsert_orders(shop, [order(status="WAIT_GOODS_RECEIVE_CONFIRM"), order(ORDER_B, status="已取消")])

    assert [r.outcome for r in results] == ["created", "created"]
    assert dict(Order.objects.values_list("order_no", "status")) == {ORDER_A: "shipped", ORDER_B: "canceled"}


def test_a_one_line_address_is_split_into_its_parts(shop):
    upsert_orders(shop, [order(receiver=ReceiverInput(name="李四", phone="010-65529988",
                                                     address="浙江省杭州市西湖区文三路90号"))])

    stored = Order.objects.get()
    assert (stored.receiver_province, stored.receiver_city, stored.receiver_district, stored.receiver_address) == (
        "浙江省", "杭州市", "西湖区", "文三路90号")


def test_the_import_formats_and_a_naive_time_are_read_as_beijing_time(shop):
    upsert_orders(shop, [order(ordered_at="2026-11-27 10:00:00"), order(ORDER_B, ordered_at=NOW)])

    assert set(Order.objects.values_list("ordered_at", flat=True)) == {NOW}


def test_the_same_order_twice_in_one_call_is_written_in_order(shop):
    results = upsert_orders(shop, [order(remark="一"), order(remark="二")])

    assert [r.outcome for r in results] == ["created", "updated"]
    assert Order.objects.get().remark == "二"
