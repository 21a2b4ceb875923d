"""A JD ``orderInfo`` (reference §2.3) read as our order input, field by field."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fakes.jd_jos import jd_order

from yundan.integrations.jd_orders import JD_STATES, RejectedOrder, jd_path, pulled_order, rejection_reason
from yundan.orders.upsert import FieldError, ItemInput, ReceiverInput

SH = ZoneInfo("Asia/Shanghai")
MODIFIED = "2026-11-21 08:00:05"


def read(**fields):
    return pulled_order(jd_order("312345678901", MODIFIED, **fields))


def rejected(info) -> RejectedOrder:
    with pytest.raises(RejectedOrder) as caught:
        pulled_order(info)
    return caught.value


def test_a_realistic_order_becomes_our_input():
    pulled = read(venderRemark="加急", waybill="JDX000000000001", logisticsId="336878")
    order = pulled.order
    assert (pulled.order_no, pulled.state, pulled.modified) == (
        "312345678901", "WAIT_SELLER_STOCK_OUT", datetime(2026, 11, 21, 8, 0, 5, tzinfo=SH))
    assert (pulled.waybill, pulled.logistics_id) == ("JDX000000000001", "336878")
    assert (order.order_no, order.status, order.buyer_id, order.remark) == (
        "312345678901", "awaiting_shipment", "jd_buyer01", "加急")
    assert order.ordered_at == datetime(2026, 11, 20, 9, 15, tzinfo=SH)
    assert order.amount == "199.00"  # a string: orders.upsert reads amounts like every other input
    # The full address has a province our parser knows: it is split like every other address.
    assert order.receiver == ReceiverInput(name="张三", phone="13812345678", address="浙江杭州市西湖区文三路90号1号楼302室")
    assert order.items == [ItemInput("100012043978", "保温杯 500ml 黑色", "2")]


@pytest.mark.parametrize(("state", "status"), [
    ("WAIT_SELLER_STOCK_OUT", "awaiting_shipment"), ("WAIT_SELLER_DELIVERY", "awaiting_shipment"),
    ("WAIT_GOODS_RECEIVE_CONFIRM", "shipped"), ("FINISHED_L", "finished"), ("TRADE_CANCELED", "canceled"),
    ("LOCKED", "locked"), ("PAUSE", "locked"), ("POP_ORDER_PAUSE", "locked"), ("finished_l", "finished"),
])
def test_every_documented_state_has_our_status_and_stays_raw(state, status):
    pulled = read(orderState=state)
    assert (pulled.order.status, pulled.state) == (status, state.upper())


def test_an_unknown_state_rejects_the_order_naming_it():
    error = rejected(jd_order("312345678901", MODIFIED, state="WAIT_SEND_CODE"))
    assert error.order_no == "312345678901" and "orderState「WAIT_SEND_CODE」未知" in error.reason
    assert error.modified == datetime(2026, 11, 21, 8, 0, 5, tzinfo=SH)
    assert set(JD_STATES) >= {"WAIT_SELLER_STOCK_OUT", "LOCKED", "PAUSE"}


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-20 09:15:00", datetime(2026, 11, 20, 9, 15, tzinfo=SH)),
    ("2026/11/20 09:15:00", datetime(2026, 11, 20, 9, 15, tzinfo=SH)),
    ("2026-11-20 09:15:00.000", datetime(2026, 11, 20, 9, 15, tzinfo=SH)),
    ("0001-01-01 00:00:00", None),  # JD's "not yet"
    ("1970-01-01 00:00:00", None),
    ("", None),
])
def test_order_start_time_shapes(text, expected):
    assert read(orderStartTime=text).order.ordered_at == expected


def test_an_unreadable_time_names_its_field():
    assert "orderStartTime「昨天」" in rejected(jd_order("312345678901", MODIFIED, orderStartTime="昨天")).reason
    error = rejected(jd_order("312345678901", "20261121"))
    assert "modified「20261121」" in error.reason and error.modified is None


def test_an_order_without_modified_cannot_be_placed_in_time():
    info = jd_order("312345678901", MODIFIED)
    del info["modified"]
    assert "缺少 modified" in rejected(info).reason


@pytest.mark.parametrize("order_id", ["", "JD312345678901", "1234567", "3.12345678901e11"])
def test_an_order_id_that_is_not_8_to_20_digits_is_rejected(order_id):
    error = rejected(jd_order(order_id, MODIFIED))
    assert error.order_no == order_id and "orderId" in error.reason


def test_an_order_id_sent_as_a_number_is_read_as_text():
    assert pulled_order(jd_order(312345678901, MODIFIED)).order_no == "312345678901"


def test_something_that_is_not_an_order_is_rejected():
    error = rejected(["not", "an", "order"])
    assert error.order_no == "" and "orderInfo 不是对象" in error.reason


@pytest.mark.parametrize(("mobile", "telephone", "phone"), [
    ("13812345678", "", "13812345678"),
    ("+86 138-1234-5678", "", "13812345678"),
    ("138****5678", "010-65529988", "010-65529988"),  # masked mobile: the landline
    ("138****5678", "", ""),  # masked and nothing else: empty, never stored half-hidden
    ("", "", ""),
])
def test_receiver_phone(mobile, telephone, phone):
    consignee = jd_order("1", MODIFIED)["consigneeInfo"] | {"mobile": mobile, "telephone": telephone}
    assert read(consigneeInfo=consignee).order.receiver.phone == phone


def test_an_address_our_parser_cannot_place_takes_jds_own_levels():
    consignee = {"fullname": "陈小姐", "mobile": "", "telephone": "+852 2345 6789", "province": "香港",
                 "city": "九龙", "county": "油尖旺区", "town": "", "fullAddress": "香港九龙弥敦道1号"}
    assert read(consigneeInfo=consignee).order.receiver == ReceiverInput(
        name="陈小姐", phone="+85223456789", province="香港", city="九龙", district="油尖旺区", address="弥敦道1号")


def test_missing_consignee_and_items_make_an_empty_receiver_and_no_items():
    info = jd_order("312345678901", MODIFIED)
    del info["consigneeInfo"], info["itemInfoList"]
    order = pulled_order(info).order
    assert order.receiver == ReceiverInput() and order.items == []


@pytest.mark.parametrize(("change", "reason"), [
    ({"consigneeInfo": "张三"}, "consigneeInfo 不是对象"),
    ({"itemInfoList": {"skuId": "1"}}, "itemInfoList 不是列表"),
    ({"itemInfoList": [{"skuId": "1", "itemTotal": "1"}, "2"]}, "itemInfoList[1] 不是对象"),
])
def test_wrong_shapes_are_rejected_naming_the_field(change, reason):
    assert reason in rejected(jd_order("312345678901", MODIFIED, **change)).reason


def test_amount_falls_back_to_the_payment_and_may_be_absent():
    assert read(orderTotalPrice="", orderPayment="189.00").order.amount == "189.00"
    assert read(orderTotalPrice="", orderPayment="").order.amount is None


def test_an_item_without_quantity_is_one_piece():
    assert read(itemInfoList=[{"skuId": "100012043978", "skuName": "杯"}]).order.items == [
        ItemInput("100012043978", "杯", 1)]


def test_upsert_field_paths_are_named_as_jd_fields():
    assert jd_path("items[3].quantity") == "itemInfoList[3].itemTotal"
    assert jd_path("items[0].name") == "itemInfoList[0].skuName"
    assert jd_path("receiver.name") == "consigneeInfo.fullname"
    assert jd_path("amount") == "orderTotalPrice"
    assert jd_path("something.new") == "something.new"
    reason = rejection_reason([FieldError("amount", "不是数字"), FieldError("items[1].sku_id", "商品ID不能为空")])
    assert reason == "orderTotalPrice：不是数字；itemInfoList[1].skuId：商品ID不能为空"
