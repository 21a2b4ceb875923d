"""Kuaidi100 pushes: the salted sign, the abort flags, and the trace read like a query answer."""

import json

import pytest
from fakes.kuaidi100 import last_result, signed_push_form, trace_item

from yundan.carriers.kuaidi100 import PUSH_ACCEPTED, KIND, PushRejected, parse_push, push_refused

SALT = "s3cretSalt"

ITEMS = [
    trace_item("2024-05-01 10:00:00", "【上海市】已揽收", "103", "揽收", "上海,上海市"),
    trace_item("2024-05-02 18:00:00", "快件已签收", "301", "签收", "浙江,杭州市", location="杭州市西湖区"),
]


def form(salt=SALT, status="polling", message="", items=ITEMS, number="ZT7300000000001", com="zhongtong", **fields):
    return signed_push_form(last_result(number, com, items), salt, status, message, **fields)


def test_a_signed_push_is_read_like_a_query_answer():
    update = parse_push(form(), SALT)
    assert (update.status, update.waybill_no, update.courier) == ("polling", "ZT7300000000001", "zto")
    assert not update.no_record and not update.stale
    events = update.result.events
    assert [(e.raw_code, e.status) for e in events] == [("103", "picked_up"), ("301", "delivered")]
    assert events[1].location == "杭州市西湖区" and events[1].time.utcoffset().total_seconds() == 8 * 3600
    assert update.result.found and update.result.waybill_no == "ZT7300000000001"


def test_the_sign_is_checked_when_a_salt_is_configured():
    with pytest.raises(PushRejected, match="签名不符"):
        parse_push(form(salt="another salt"), SALT)
    unsigned = form(salt=None)
    with pytest.raises(PushRejected, match="缺少签名"):
        parse_push(unsigned, SALT)
    tampered = form()
    tampered["param"] = tampered["param"].replace("快件已签收", "快件已退回")
    with pytest.raises(PushRejected, match="签名不符"):
        parse_push(tampered, SALT)


def test_a_lower_case_sign_is_accepted():
    signed = form()
    signed["sign"] = signed["sign"].lower()
    assert parse_push(signed, SALT).waybill_no == "ZT7300000000001"


def test_without_a_salt_the_sign_is_not_checked():
    assert parse_push(form(salt=None), "").waybill_no == "ZT7300000000001"
    assert parse_push(form(salt="whatever"), "").waybill_no == "ZT7300000000001"


def test_unreadable_pushes_are_rejected():
    with pytest.raises(PushRejected, match="JSON"):
        parse_push({"param": "{not json"}, "")
    with pytest.raises(PushRejected, match="JSON"):
        parse_push({}, "")
    with pytest.raises(PushRejected, match="运单号"):
        parse_push(signed_push_form({"data": []}, None), "")
    with pytest.raises(PushRejected, match="运单号"):
        parse_push({"param": json.dumps(["not", "an", "object"])}, "")


def test_abort_without_a_record_for_three_days():
    update = parse_push(form(status="abort", message="3天查询无记录", items=[]), SALT)
    assert update.no_record and not update.stale
    assert not update.result.found and update.result.error == "3天查询无记录"


def test_abort_after_sixty_days_without_change_is_stale():
    update = parse_push(form(status="abort", message="60天无变化"), SALT)
    assert update.stale and not update.no_record and update.result.found


def test_the_waybill_is_normalized_and_comnew_names_the_courier():
    update = parse_push(form(number=" yt1234567890 ", com="shentong", comNew="yuantong", status="abort"), SALT)
    assert (update.waybill_no, update.courier) == ("YT1234567890", "yto")
    assert parse_push(form(com="nosuchcourier"), SALT).courier == ""


def test_the_adapter_reads_pushes_with_its_salt_and_courier_table():
    carrier = KIND.build({"customer": "C1", "key": "K1", "salt": SALT, "com_codes": "deppon=debangkuaidi"})
    assert carrier.parse_push(form(com="debangkuaidi")).courier == "deppon"
    with pytest.raises(PushRejected):
        carrier.parse_push(form(salt=None))


def test_replies():
    assert PUSH_ACCEPTED == {"result": True, "returnCode": "200", "message": "成功"}
    assert push_refused("存储失败") == {"result": False, "returnCode": "500", "message": "存储失败"}
    with pytest.raises(PushRejected) as caught:
        parse_push(form(salt=None), SALT)
    assert caught.value.reply == {"result": False, "returnCode": "400", "message": "推送缺少签名 (missing sign)"}
