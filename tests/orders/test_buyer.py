"""The buyer's lookup: order number + last 4 digits of the receiver phone, one answer for anything wrong."""

import pytest
from factories import NOW

from yundan.orders.buyer import BuyerQuery, find_buyer_orders
from yundan.orders.models import OrderItem
from yundan.shipping.models import Package
from yundan.tracking.models import TrackingEvent


@pytest.mark.parametrize("order_no, last4, problem", [
    ("", "5678", "请输入订单号"),
    ("JDX000234596031", "5678", "订单号应为"),
    ("312345678901", "567", "后 4 位"),
    ("312345678901", "56a8", "后 4 位"),
])
def test_a_form_that_cannot_be_right_is_told_which_field(order_no, last4, problem):
    with pytest.raises(ValueError, match=problem):
        BuyerQuery.parse(order_no, last4)


def test_the_form_is_cleaned_like_every_number():
    assert BuyerQuery.parse(" '３１２３４５６７８９０１ ", "５６ ７８") == BuyerQuery("312345678901", "5678")


@pytest.fixture
def order(make_order):
    order = make_order(receiver_phone="13812345678", receiver_phone_last4="5678")
    OrderItem.objects.create(order=order, sku_id="100012", name="京东京造 保温杯", quantity=2)
    shipped = Package.objects.create(order=order, sequence=1, carrier="sandbox", waybill_no="JDX000000000501",
                                     printed_at=NOW, shipped_at=NOW, status="in_transit")
    TrackingEvent.objects.create(package=shipped, time=NOW, status="in_transit", raw_text="您的快件已到达【杭州转运中心】",
                                 source="test", content_hash="a")
    Package.objects.create(order=order, sequence=2, carrier="sandbox", waybill_no="JDX000000000502", printed_at=NOW)
    return order


@pytest.mark.django_db
def test_the_right_pair_finds_the_order_with_items_and_shipped_packages(order):
    [found] = find_buyer_orders(BuyerQuery("312345678901", "5678"))
    assert found.order_no == "312345678901" and found.items == (("京东京造 保温杯", 2),)
    # The printed but unconfirmed parcel is counted, its allocated number not shown.
    assert [p.waybill_no for p in found.packages] == ["JDX000000000501"] and found.unshipped == 1
    assert found.packages[0].events[0].text == "您的快件已到达【杭州转运中心】"


@pytest.mark.django_db
def test_a_wrong_pair_and_an_unknown_order_get_the_same_empty_answer_for_the_same_work(
        order, django_assert_num_queries):
    for query in (BuyerQuery("312345678901", "0000"), BuyerQuery("399999999999", "5678")):
        with django_assert_num_queries(1):
            assert find_buyer_orders(query) == []
