import pytest

from yundan.orders.states import (
    InvalidTransition,
    OrderStatus,
    allowed_moves,
    can_move,
    check_move,
    is_shippable,
    status_from_jd,
)


def test_an_awaiting_order_can_ship_cancel_or_lock():
    assert allowed_moves("awaiting_shipment") == {"shipped", "canceled", "locked"}


def test_finished_and_canceled_orders_are_final():
    for final in ("finished", "canceled"):
        assert allowed_moves(final) == frozenset()


def test_a_lock_is_lifted_back_or_ends_in_a_cancel():
    assert allowed_moves("locked") == {"awaiting_shipment", "shipped", "canceled"}


def test_a_shipped_order_cannot_go_back_to_awaiting_shipment():
    assert not can_move("shipped", "awaiting_shipment")
    with pytest.raises(InvalidTransition, match="已发货.*等待出库"):
        check_move("shipped", "awaiting_shipment")


def test_only_an_awaiting_order_is_shippable():
    assert [s for s in OrderStatus.values if is_shippable(s)] == ["awaiting_shipment"]


@pytest.mark.parametrize(
    ("jd", "ours"),
    [
        ("等待出库", "awaiting_shipment"),
        ("等待确认收货", "shipped"),
        ("完成", "finished"),
        ("已取消", "canceled"),
        ("锁定", "locked"),
        ("已锁定", "locked"),
        ("WAIT_SELLER_STOCK_OUT", "awaiting_shipment"),
        ("wait_goods_receive_confirm", "shipped"),
        ("FINISHED_L", "finished"),
        (" shipped ", "shipped"),
    ],
)
def test_jd_state_words_and_codes_map_onto_ours(jd, ours):
    assert status_from_jd(jd) == ours


def test_an_unknown_jd_state_word_is_named_in_the_error():
    with pytest.raises(ValueError, match="未知的订单状态「已发走」"):
        status_from_jd("已发走")
