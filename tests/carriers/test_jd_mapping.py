"""JD trace wording -> normalized status, LOP stage codes, and JD times."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from yundan.carriers.base import Address
from yundan.carriers.jd.mapping import jd_time, keyword_status, lop_status, status_of
from yundan.carriers.sandbox import RAW_STATUS, SCENARIOS, sandbox_waybill, trajectory
from yundan.regions import PROVINCES

SH = ZoneInfo("Asia/Shanghai")
SHIPPED = datetime(2026, 11, 20, 15, 30, tzinfo=SH)
HANGZHOU = Address("浙江省", "杭州市", "西湖区")


def sandbox_events():
    """Every scan the sandbox can write: each scenario to and from every district we know, so
    every facility, station and locker name appears inside a sentence at least once."""
    places = [Address(p.name, c.name, d) for p in PROVINCES for c in p.cities for d in c.districts]
    serial = 0
    for scenario in SCENARIOS:
        for place in places:
            for origin, destination in ((HANGZHOU, place), (place, HANGZHOU)):
                serial += 1
                yield from trajectory(sandbox_waybill(serial, scenario), origin, destination, SHIPPED,
                                      SHIPPED + timedelta(days=30))


def test_every_sandbox_title_and_sentence_maps_to_the_sandbox_status():
    seen_titles, wrong = set(), []
    for event in sandbox_events():
        seen_titles.add(event.raw_code)
        for texts in ((event.raw_code,), (event.raw_text,), (event.raw_code, event.raw_text)):
            if keyword_status(*texts) != event.status:
                wrong.append((texts, event.status, keyword_status(*texts)))
    assert not wrong, wrong[:5]
    assert seen_titles <= set(RAW_STATUS)  # titles the sandbox never writes are tested below


@pytest.mark.parametrize("title", sorted(RAW_STATUS))
def test_every_sandbox_operation_title(title):
    assert status_of(title) == RAW_STATUS[title]


@pytest.mark.parametrize(("text", "status"), [
    ("退货妥投", "returned"),
    ("您的快件已退回商家，由商家签收", "returned"),
    ("客户拒收，原因：外包装破损", "rejected"),
    ("因客户拒收，已发起退回", "returning"),
    ("未妥投，客户电话联系不上", "delivery_failed"),
    ("快件外包装破损，待处理", "exception"),
    ("您的快件已放入京东自提柜，请凭提货码取件", "awaiting_pickup"),
    ("您在快递柜的快件已取出", "delivered"),
    ("您的快件正在派送中，请您准备签收", "out_for_delivery"),
    ("您的订单已由本人签收，如有疑问请联系配送员", "delivered"),
    ("配送员收货", "out_for_delivery"),
    ("您的快件已到达【北京马驹桥配送中心】", "in_transit"),
    ("揽收任务分配", "pending"),
    ("京东快递已收件", "picked_up"),
    ("快件在运输途中丢失", "lost"),
])
def test_keywords_are_checked_in_the_careful_order(text, status):
    assert keyword_status(text) == status


def test_unknown_wording_falls_back_to_in_transit():
    assert status_of("海关查验", "") is None
    assert keyword_status("海关查验", "") == "in_transit"


@pytest.mark.parametrize(("category", "name", "title", "remark", "status"), [
    ("390", "揽收中", "揽收任务分配", "", "pending"),
    ("390", "揽收中", "揽收完成", "快递员已揽收", "picked_up"),
    ("390", "揽收中", "", "", "pending"),  # the stage alone: its default, not the 揽收 of its name
    ("390", "揽收中", "妥投", "", "pending"),  # outside the stage: the stage wins
    ("999", "派送中", "", "", "out_for_delivery"),  # unknown stage: keywords of its name
    ("999", "派送中", "妥投", "已由本人签收", "delivered"),  # the line's own words before the stage name
    ("", "", "清关", "", "in_transit"),
])
def test_lop_stage_codes(category, name, title, remark, status):
    assert lop_status(category, name, title, remark) == status


@pytest.mark.parametrize("text", ["2026-11-20 15:30:05", "2026/11/20 15:30:05", "2026/11/20 15:30:05.000"])
def test_jd_times_are_beijing_time_with_either_separator(text):
    assert jd_time(text) == datetime(2026, 11, 20, 15, 30, 5, tzinfo=SH)


@pytest.mark.parametrize("text", ["", None, "20.11.2026 15:30", "2026-11-20"])
def test_unreadable_times_raise(text):
    with pytest.raises(ValueError):
        jd_time(text)
