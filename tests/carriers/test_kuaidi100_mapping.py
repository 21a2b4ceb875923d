"""Kuaidi100 code tables against the reference (tracking-protocols.md §1.3 and §7)."""

import pytest

from yundan.carriers.kuaidi100.mapping import COM_CODES, STATUS_CODES, STATUS_NAMES, reverse_com_codes, status_for
from yundan.shipping.waybills import CARRIER_NAMES

# §1.3: every state code with its name, and the status §7 (as adopted for yundan) gives it.
REFERENCE = {
    "1": ("揽收", "picked_up"), "101": ("已下单", "pending"), "102": ("待揽收", "pending"),
    "103": ("已揽收", "picked_up"),
    "0": ("在途", "in_transit"), "1001": ("到达派件城市", "in_transit"), "1002": ("干线", "in_transit"),
    "1003": ("转递", "in_transit"),
    "5": ("派件", "out_for_delivery"), "501": ("投柜或驿站", "awaiting_pickup"),
    "3": ("签收", "delivered"), "301": ("本人签收", "delivered"), "302": ("派件异常后签收", "delivered"),
    "303": ("代签", "delivered"), "304": ("投柜或站签收", "delivered"),
    "6": ("退回", "returning"), "4": ("退签", "returned"), "401": ("已销单", "exception"),
    "14": ("拒签", "rejected"), "7": ("转投", "in_transit"),
    "2": ("疑难", "exception"), "201": ("超时未签收", "exception"), "202": ("超时未更新", "exception"),
    "203": ("拒收", "rejected"), "204": ("派件异常", "delivery_failed"), "205": ("柜或驿站超时未取", "exception"),
    "206": ("无法联系", "delivery_failed"), "207": ("超区", "delivery_failed"), "208": ("滞留", "exception"),
    "209": ("破损", "exception"), "210": ("销单", "exception"),
    "8": ("清关", "in_transit"), "10": ("待清关", "in_transit"), "11": ("清关中", "in_transit"),
    "12": ("已清关", "in_transit"), "13": ("清关异常", "exception"),
}


@pytest.mark.parametrize(("code", "name", "expected"), [(c, n, s) for c, (n, s) in REFERENCE.items()])
def test_every_reference_code_and_its_name_map_to_the_same_status(code, name, expected):
    assert status_for(code) == expected
    assert status_for("", name) == expected


def test_the_tables_hold_exactly_the_reference_codes_each_once():
    codes = [code for listed in STATUS_CODES.values() for code in listed]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(REFERENCE)


def test_no_status_name_is_in_two_lists():
    names = [name for listed in STATUS_NAMES.values() for name in listed]
    assert len(names) == len(set(names))


def test_the_code_wins_over_the_name_and_unknowns_fall_back_to_in_transit():
    assert status_for("3", "在途") == "delivered"
    assert status_for("9999", "签收") == "delivered"
    assert status_for("9999", "新名字") == "in_transit"
    assert status_for("", "") == "in_transit"


def test_every_courier_of_ours_has_a_kuaidi100_code_and_maps_back():
    assert set(COM_CODES) == set(CARRIER_NAMES)
    assert reverse_com_codes(COM_CODES) == {com: ours for ours, com in COM_CODES.items()}
    assert reverse_com_codes({"sf": "shunfeng", "sf2": "shunfeng"}) == {"shunfeng": "sf"}
