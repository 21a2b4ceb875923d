import pytest

from yundan.orders.models import Order, Shop
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db

ORDER_A, ORDER_B = "312345678901", "312345678902"


def order_json(order_no=ORDER_A, **fields):
    return {
        "order_no": order_no, "status": "awaiting_shipment", "buyer_id": "jd_buyer01",
        "ordered_at": "2026-11-20T10:23:45+08:00", "amount": "199.00", "remark": "",
        "receiver": {"name": "张三", "phone": "13812345678", "province": "浙江省", "city": "杭州市",
                     "district": "西湖区", "address": "文三路90号1号楼302室"},
        "items": [{"sku_id": "100012345678", "name": "保温杯", "quantity": 2}],
        **fields,
    }


# --- upsert ---------------------------------------------------------------------------------------------

def test_bulk_upsert_answers_per_order_and_is_idempotent(write_api, shop):
    body = write_api.post("/orders", json={"orders": [order_json(), order_json(ORDER_B)]})
    assert (body["shop"], body["created"], body["rejected"]) == (shop.name, 2, 0)
    assert [r["outcome"] for r in body["results"]] == ["created", "created"]

    again = write_api.post("/orders", json={"orders": [order_json(), order_json(ORDER_B, remark="改")]})

    assert [r["outcome"] for r in again["results"]] == ["unchanged", "updated"]
    assert Order.objects.count() == 2


def test_a_rejected_order_names_its_fields_by_path_and_the_others_are_written(write_api, shop):
    bad = order_json(ORDER_B, receiver={"name": "李四", "phone": "1381234567"})

    body = write_api.post("/orders", json={"orders": [order_json(), bad]})

    rejected = body["results"][1]
    assert rejected["outcome"] == "rejected"
    assert rejected["errors"][0]["path"] == "orders[1].receiver.phone"
    assert list(Order.objects.values_list("order_no", flat=True)) == [ORDER_A]


def test_a_request_that_does_not_fit_the_schema_is_422_with_paths(write_api, shop):
    body = write_api.post("/orders", json={"orders": [order_json(items=[{"sku_id": "1", "quantity": 0}])]},
                          status=422)

    assert body["error"]["code"] == "validation_error"
    assert body["error"]["fields"][0]["path"] == "orders[0].items[0].quantity"


def test_more_than_1000_orders_in_one_call_is_422(write_api, shop):
    body = write_api.post("/orders", json={"orders": [order_json()] * 1001}, status=422)

    assert body["error"]["fields"][0]["path"] == "orders"


def test_malformed_json_is_400(write_api, shop):
    response = write_api.client.post("/api/v1/orders", data="{nope", content_type="application/json",
                                     headers=write_api.headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_with_several_shops_the_shop_must_be_named_and_must_exist(write_api, shop):
    Shop.objects.create(name="第二店铺")

    assert write_api.post("/orders", json={"orders": [order_json()]}, status=422)["error"]["fields"][0]["path"] == "shop"
    assert write_api.post("/orders", json={"shop": "没有", "orders": [order_json()]}, status=422)
    assert write_api.post("/orders", json={"shop": "第二店铺", "orders": [order_json()]})["created"] == 1


# --- get ------------------------------------------------------------------------------------------------

def test_get_an_order_with_items_and_packages(write_api, make_order):
    order = make_order(ORDER_A)
    Package.objects.create(order=order, carrier="sandbox", waybill_no="JDVA00000000001", printed_at=order.ordered_at)

    body = write_api.get(f"/orders/{ORDER_A}")

    assert body["order_no"] == ORDER_A and body["receiver"]["phone"] == "13812345678"
    [package] = body["packages"]
    assert package["waybill_no"] == "JDVA00000000001" and package["status"] is None
    assert "尚未确认发货" in package["note"]


def test_a_read_key_sees_the_receiver_masked(read_api, make_order):
    make_order(ORDER_A)

    receiver = read_api.get(f"/orders/{ORDER_A}")["receiver"]

    assert (receiver["name"], receiver["phone"]) == ("张*", "1******5678")


def test_an_unknown_order_is_404(read_api, shop):
    assert read_api.get(f"/orders/{ORDER_A}", status=404)["error"]["code"] == "order_not_found"


def test_the_same_number_in_two_shops_needs_the_shop(read_api, make_order):
    other = Shop.objects.create(name="第二店铺")
    make_order(ORDER_A)
    Order.objects.filter(pk=make_order(ORDER_B).pk).update(shop=other, order_no=ORDER_A)

    assert read_api.get(f"/orders/{ORDER_A}", status=409)["error"]["code"] == "ambiguous_order"
    assert read_api.get(f"/orders/{ORDER_A}?shop=第二店铺")["shop"] == "第二店铺"


# --- search ---------------------------------------------------------------------------------------------

def test_search_by_the_console_keys(read_api, make_order):
    make_order(ORDER_A, buyer_id="alice")
    make_order(ORDER_B, buyer_id="bob", receiver_phone="13900001111", receiver_phone_last4="1111")

    assert [o["order_no"] for o in read_api.get("/orders?buyer_id=alice")["orders"]] == [ORDER_A]
    assert [o["order_no"] for o in read_api.get("/orders?phone=1111")["orders"]] == [ORDER_B]
    assert [o["order_no"] for o in read_api.get("/orders?phone=13900001111")["orders"]] == [ORDER_B]
    assert [o["order_no"] for o in read_api.get(f"/orders?order_no={ORDER_A}")["orders"]] == [ORDER_A]
    assert read_api.get("/orders?status=shipped")["orders"] == []


def test_search_pages_with_a_cursor_that_carries_the_query(read_api, make_order):
    for n in range(5):
        make_order(f"31234567890{n}", buyer_id="alice")
    make_order("312345678999", buyer_id="bob")

    first = read_api.get("/orders?buyer_id=alice&limit=2")
    second = read_api.get(f"/orders?cursor={first['next_cursor']}&limit=2")
    third = read_api.get(f"/orders?cursor={second['next_cursor']}&limit=2")

    seen = [o["order_no"] for page in (first, second, third) for o in page["orders"]]
    assert sorted(seen) == [f"31234567890{n}" for n in range(5)]
    assert third["has_more"] is False and third["next_cursor"] is None


def test_bad_search_input_is_422_naming_the_field(read_api, shop):
    assert read_api.get("/orders?status=lost", status=422)["error"]["fields"][0]["path"] == "status"
    assert read_api.get("/orders?phone=12", status=422)["error"]["fields"][0]["path"] == "phone"
    assert read_api.get("/orders?cursor=garbage", status=422)["error"]["fields"][0]["path"] == "cursor"
    assert read_api.get("/orders?ordered_from=yesterday", status=422)["error"]["fields"][0]["path"] == "ordered_from"
