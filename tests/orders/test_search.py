import pytest

from yundan.orders.search import OrderQuery, search_orders
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(make_order):
    first = make_order("312345678901", buyer_id="jd_alice", receiver_phone="13812345678", receiver_phone_last4="5678")
    second = make_order("312345678902", buyer_id="jd_bob", receiver_phone="13900005678", receiver_phone_last4="5678",
                        status="shipped")
    third = make_order("312345678903", buyer_id="jd_carol", receiver_phone="010-65529988", receiver_phone_last4="9988")
    Package.objects.create(order=second, carrier="sandbox", waybill_no="JDX910000000002")
    Package.objects.create(order=second, sequence=2, carrier="sandbox", waybill_no="JDX910000000003")
    return first, second, third


def found(**keys):
    return [o.order_no for o in search_orders(OrderQuery(**keys))]


def test_an_order_is_found_by_its_number_even_typed_with_spaces_or_full_width_digits(orders):
    assert found(order_no=" 312345678901 ") == ["312345678901"]
    assert found(order_no="３１２３４５６７８９０１") == ["312345678901"]


def test_an_order_is_found_by_buyer_id(orders):
    assert found(buyer_id="jd_carol") == ["312345678903"]


def test_a_full_phone_number_finds_only_that_receiver(orders):
    assert found(phone="138 1234 5678") == ["312345678901"]
    assert found(phone="+86 13900005678") == ["312345678902"]
    assert found(phone="(010) 6552 9988") == ["312345678903"]


def test_the_last_four_digits_find_every_receiver_with_them(orders):
    assert sorted(found(phone="5678")) == ["312345678901", "312345678902"]


def test_last_four_digits_and_status_narrow_the_search(orders):
    assert found(phone="5678", status="shipped") == ["312345678902"]


def test_any_waybill_of_a_split_shipment_finds_its_order(orders):
    assert found(waybill_no="JDX910000000003") == ["312345678902"]
    assert found(waybill_no="jdx910000000002-1-2-") == ["312345678902"]


def test_an_unknown_key_finds_nothing(orders):
    assert found(waybill_no="JDX999999999999") == []
    assert found(order_no="399999999999") == []


def test_an_unknown_status_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="awaiting_shipment"):
        OrderQuery(status="sent")
