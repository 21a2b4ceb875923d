"""What the public tracking page may show: parsing typed numbers, masking, the public package."""

from dataclasses import fields
from datetime import timedelta

import pytest
from factories import NOW

from yundan.orders.receivers import mask_phones_in_text
from yundan.shipping.models import Package
from yundan.tracking.models import TrackingEvent
from yundan.tracking.public import (MAX_NUMBERS, PublicEvent, PublicPackage, TooManyNumbers, mask_names_in_text,
                                    parse_waybill_numbers, track)


def test_numbers_one_per_line_or_separated_by_commas_spaces_and_full_width_marks():
    typed = ("JDX000000000001\r\njdx000000000002, JDX000000000003，ＪＤＸ０００００００００００４　"
             "JDX000000000005；JDX000000000006、SF1234567890123")
    assert parse_waybill_numbers(typed) == [f"JDX00000000000{n}" for n in range(1, 7)] + ["SF1234567890123"]


def test_numbers_are_normalised_like_everywhere_and_repeats_count_once():
    assert parse_waybill_numbers("'JDX000234596031-1-5-\n JDX000234596031 \u200b") == ["JDX000234596031"]
    assert parse_waybill_numbers(" \n ,, ") == []


def test_more_than_ten_numbers_is_refused_with_the_count():
    parse_waybill_numbers(" ".join(f"JDX{n:012d}" for n in range(MAX_NUMBERS)))
    with pytest.raises(TooManyNumbers) as refused:
        parse_waybill_numbers(" ".join(f"JDX{n:012d}" for n in range(MAX_NUMBERS + 2)))
    assert refused.value.count == MAX_NUMBERS + 2 and "10" in str(refused.value)


@pytest.mark.parametrize("text, expected", [
    ("快递员：王伟，电话：13812345678", "快递员：王伟，电话：1******5678"),
    ("联系电话：138-1234-5678）", "联系电话：1******5678）"),
    ("请致电 +86 138 1234 5678 预约", "请致电 1******5678 预约"),
    ("营业部电话 010-65529988，或 (0571)88812345", "营业部电话 010-******88，或 0571-******45"),
    ("隐私号 13812345678转1234 联系收件人", "隐私号 1******5678转1234 联系收件人"),
    ("营业部电话：65529988", "营业部电话：******88"),
    ("电话：１３８１２３４５６７８", "电话：1******5678"),  # full-width digits
    ("国际拨打 0086 138 1234 5678", "国际拨打 1******5678"),
])
def test_phone_numbers_inside_carrier_texts_are_masked(text, expected):
    assert mask_phones_in_text(text) == expected


@pytest.mark.parametrize("text", [
    "您的快件已到达【杭州转运中心】",
    "新运单号 SF1234567890123，原单号 JDX000234596031",  # waybill numbers are not phones
    "订单 3123456789012 已出库",  # nor a 13-digit order number that contains a mobile-like run
    "客服热线 400-603-3600 或 950616",  # the carrier's public hotlines stay
    "取件码 5-2-3021，请于 2026-11-27 18:00 前取件",
    "共 12345678 件",  # a bare 8-digit number without a word saying it is a phone
])
def test_texts_without_personal_phones_are_left_alone(text):
    assert mask_phones_in_text(text) == text


def test_known_names_are_masked_in_a_text():
    assert mask_names_in_text("已由张三签收，快递员王伟", ("张三", "王伟", "", "李")) == "已由张*签收，快递员王*"


def test_a_public_package_has_no_field_that_could_carry_order_or_receiver_data():
    names = {f.name for cls in (PublicPackage, PublicEvent) for f in fields(cls)}
    assert names == {"waybill_no", "carrier_name", "simulated", "status", "events",
                     "time", "text", "location", "courier"}


@pytest.fixture
def shipped_package(make_order):
    order = make_order(receiver_name="张三丰", receiver_phone="13812345678")
    package = Package.objects.create(order=order, carrier="sandbox", waybill_no="JDX000000000777",
                                     printed_at=NOW, shipped_at=NOW, status="out_for_delivery")
    for minutes, status, text, courier in [
        (0, "picked_up", "您的快件已由【北京大兴营业部】揽收完成，快递员：王伟，电话：13900001111", ("王伟", "13900001111")),
        (60, "out_for_delivery", "张三丰您好，快件正在派送，联系电话：13900002222", ("李强", "13900002222")),
    ]:
        TrackingEvent.objects.create(package=package, time=NOW + timedelta(minutes=minutes), status=status,
                                     raw_text=text, courier_name=courier[0], courier_phone=courier[1],
                                     source="test", content_hash=str(minutes))
    return package


@pytest.mark.django_db
def test_track_shows_the_timeline_newest_first_with_phones_and_names_masked(shipped_package):
    [package] = track(["JDX000000000777"])["JDX000000000777"]
    assert package.waybill_no == "JDX000000000777" and package.simulated and package.status == "out_for_delivery"
    assert [e.status for e in package.events] == ["out_for_delivery", "picked_up"]
    assert [e.when for e in package.events] == ["2026-11-27 11:00", "2026-11-27 10:00"]  # Beijing time
    assert package.events[0].text == "张**您好，快件正在派送，联系电话：1******2222"
    assert package.events[0].courier == "李* 1******2222"
    assert package.events[1].text == "您的快件已由【北京大兴营业部】揽收完成，快递员：王*，电话：1******1111"
    shown = repr(package)
    for secret in ("312345678901", "张三丰", "13812345678", "13900001111", "文三路", "jd_buyer01"):
        assert secret not in shown


@pytest.mark.django_db
def test_an_unshipped_number_answers_like_one_we_never_had(make_order, django_assert_num_queries):
    Package.objects.create(order=make_order(), carrier="sandbox", waybill_no="JDX000000000888", printed_at=NOW)
    with django_assert_num_queries(1):
        assert track(["JDX000000000888"]) == {}
    with django_assert_num_queries(1):
        assert track(["JDX000000000999"]) == {}
    with django_assert_num_queries(0):
        assert track(["X" * 200]) == {}  # longer than any waybill: not even asked


@pytest.mark.django_db
def test_several_numbers_take_one_query(shipped_package, make_order, django_assert_num_queries):
    other = Package.objects.create(order=make_order(order_no="312345678902"), carrier="sandbox",
                                   waybill_no="JDX000000000778", shipped_at=NOW)
    with django_assert_num_queries(1):
        found = track(["JDX000000000777", other.waybill_no, "JDX000000000999"])
    assert set(found) == {"JDX000000000777", "JDX000000000778"} and found["JDX000000000778"][0].events == ()
