"""The Kuaidi100 adapter against a fake Kuaidi100 on loopback (never the real endpoint)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fakes.kuaidi100 import FakeKuaidi100, trace_item

from yundan.carriers.base import Address, AllocationRequest, CarrierError, TraceQuery
from yundan.carriers.http import CarrierHttp
from yundan.carriers.kuaidi100 import KEYS, KIND, Kuaidi100Carrier, read_settings
from yundan.carriers.kuaidi100.adapter import CHECK_NUMBER
from yundan.carriers.kuaidi100.wire import dumps, refusal, sign

ORIGIN = Address("北京市", "北京市", "大兴区", "科创十一街18号")
DEST = Address("浙江省", "杭州市", "西湖区", "文三路90号")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def query(number, carrier="yto", phone=""):
    return TraceQuery(number, ORIGIN, DEST, phone_last4=phone, carrier=carrier)


def adapter(fake, **overrides):
    """The adapter for the fake's account, with no real waiting between retries."""
    settings = read_settings(fake.settings(**overrides))
    return Kuaidi100Carrier(settings, http=CarrierHttp(settings.http, sleep=lambda seconds: None))


@pytest.fixture(scope="module")
def running_fake():
    with FakeKuaidi100() as server:
        yield server


@pytest.fixture
def fake(running_fake):
    running_fake.reset()
    return running_fake


# --- signing and the request -------------------------------------------------------------------

def test_sign_is_upper_md5_of_param_key_customer():
    # md5('{"com":"yuantong","num":"YT1234567890"}testkeyCUST01'), computed with md5sum.
    assert sign('{"com":"yuantong","num":"YT1234567890"}', "testkey", "CUST01") == "D54CC4E7E8447B022AB6838A38B259F1"
    # md5('{"status":"polling"}salt123'): the push rule, param + salt.
    assert sign('{"status":"polling"}', "salt123") == "D3E37349DAA1504C5808621A3D636F88"


def test_param_is_compact_json_with_chinese_kept():
    assert dumps({"com": "yuantong", "from": "北京市 北京市"}) == '{"com":"yuantong","from":"北京市 北京市"}'


def test_query_posts_a_signed_form_with_the_query_fields(fake):
    fake.add_trace("SF1234567890")
    fake.phones["SF1234567890"] = "5678"
    result = adapter(fake).fetch_traces([query("SF1234567890", "sf", "5678")])["SF1234567890"]
    assert result.found and result.error == "" and len(result.events) == 3
    request = fake.server.requests[0]
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.form["customer"] == fake.customer
    assert request.form["sign"] == sign(request.form["param"], fake.key, fake.customer)
    assert fake.queries == [{
        "com": "shunfeng", "num": "SF1234567890", "phone": "5678", "from": "北京市 北京市 大兴区",
        "to": "浙江省 杭州市 西湖区", "resultv2": "4", "order": "desc",
    }]


# --- answers onto events -----------------------------------------------------------------------

def test_trace_is_mapped_oldest_first_with_local_times_and_raw_codes(fake):
    fake.add_trace("YT1234567890", [
        trace_item("2024-05-01 10:00:00", "【北京市】已揽收", "103", "揽收", "北京,北京市"),
        trace_item("2024-05-02 06:30:00", "到达【杭州转运中心】", "1001", "在途", "浙江,杭州市", location="杭州转运中心"),
        trace_item("2024-05-02 09:10:00", "已放入菜鸟驿站", "501", "派件", "浙江,杭州市,西湖区"),
    ])
    events = adapter(fake).fetch_traces([query("YT1234567890")])["YT1234567890"].events
    assert [e.status for e in events] == ["picked_up", "in_transit", "awaiting_pickup"]
    assert [e.raw_code for e in events] == ["103", "1001", "501"]
    assert events[0].raw_text == "【北京市】已揽收"
    assert events[0].time.utcoffset() == timedelta(hours=8)
    assert events[0].time.astimezone(SHANGHAI).hour == 10
    assert [e.location for e in events] == ["北京,北京市", "杭州转运中心", "浙江,杭州市,西湖区"]


def test_sub_code_in_the_top_level_state_is_the_newest_events_code(fake):
    # With resultv2=1 there is no statusCode per trace: the names remain, state holds the sub-code.
    fake.add_trace("YT1234567890", [
        trace_item("2024-05-01 10:00:00", "已揽收", "103", "揽收"),
        trace_item("2024-05-02 06:30:00", "运输中", "1002", "在途"),
        trace_item("2024-05-02 09:10:00", "已放入快递柜", "501", "派件"),
    ])
    fake.states["YT1234567890"] = "501"
    events = adapter(fake, resultv2="1").fetch_traces([query("YT1234567890")])["YT1234567890"].events
    assert fake.queries[0]["resultv2"] == "1"  # the fake then sends no statusCode
    assert [(e.raw_code, e.status) for e in events] == [
        ("揽收", "picked_up"), ("在途", "in_transit"), ("501", "awaiting_pickup"),
    ]


def test_unknown_code_falls_back_to_in_transit_and_keeps_the_code(fake):
    fake.add_trace("YT1234567890", [trace_item("2024-05-01 10:00:00", "新状态", "9999", "")])
    event = adapter(fake).fetch_traces([query("YT1234567890")])["YT1234567890"].events[0]
    assert (event.status, event.raw_code) == ("in_transit", "9999")


def test_equal_times_keep_the_wire_order(fake):
    fake.add_trace("YT1234567890", [
        trace_item("2024-05-02 09:10:00", "派送中", "5"),
        trace_item("2024-05-02 09:10:00", "已签收", "3"),
    ])
    events = adapter(fake).fetch_traces([query("YT1234567890")])["YT1234567890"].events
    assert [e.raw_code for e in events] == ["5", "3"]


def test_an_unreadable_trace_time_is_that_waybills_error(fake):
    fake.add_trace("YT1234567890", [trace_item("昨天", "已揽收", "103")])
    result = adapter(fake).fetch_traces([query("YT1234567890")])["YT1234567890"]
    assert not result.found and "昨天" in result.error


def test_a_success_answer_needs_no_result_field():
    assert refusal({"message": "ok", "nu": "YT1", "status": "200", "data": []}) is None
    assert refusal({"status": "200"}) is None
    problem = refusal({"result": False, "returnCode": "500", "message": "查询无结果"})
    assert (problem.code, problem.message) == ("500", "查询无结果")


def test_an_answer_of_another_shape_is_described_as_unrecognised():
    html = refusal("<html>502 Bad Gateway</html>").describe({})
    assert html == "快递100 应答无法识别 (unrecognised answer)：<html>502 Bad Gateway</html>"
    other = refusal({"error": "oops"}).describe({})
    assert "无法识别" in other and "oops" in other


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "words"), [
    ("500", "查询无结果"),
    ("408", "手机号"),
    ("400", "快递公司编码"),
    ("501", "服务器错误"),
    ("502", "繁忙"),
])
def test_a_waybill_error_code_is_that_waybills_error(fake, code, words):
    fake.add_trace("YT0000000001")
    fake.add_trace("YT0000000002")
    fake.errors["YT0000000002"] = code
    results = adapter(fake).fetch_traces([query("YT0000000001"), query("YT0000000002")])
    assert results["YT0000000001"].found and len(results["YT0000000001"].events) == 3
    failed = results["YT0000000002"]
    assert not failed.found and not failed.events
    assert words in failed.error and code in failed.error


def test_no_trace_yet_is_not_found(fake):
    result = adapter(fake).fetch_traces([query("YT0000000009")])["YT0000000009"]
    assert not result.found and result.error.startswith("快递100 返回 500：查询无结果")


def test_sf_phone_check(fake):
    fake.add_trace("SF1234567890")
    fake.phones["SF1234567890"] = "5678"
    carrier = adapter(fake)
    missing = carrier.fetch_traces([query("SF1234567890", "sf")])["SF1234567890"]
    assert "408" in missing.error and "本单没有手机号后四位" in missing.error
    wrong = carrier.fetch_traces([query("SF1234567890", "sf", "1111")])["SF1234567890"]
    assert "408" in wrong.error and "本单没有" not in wrong.error
    assert carrier.fetch_traces([query("SF1234567890", "sf", "5678")])["SF1234567890"].found


def test_bad_sign_fails_the_whole_account(fake):
    fake.add_trace("YT0000000001")
    with pytest.raises(CarrierError, match="503.*签名"):
        adapter(fake, key="wrong-key").fetch_traces([query("YT0000000001")])


@pytest.mark.parametrize(("code", "words"), [("601", "过期"), ("600", "key 无效")])
def test_key_refusals_fail_the_whole_account(fake, code, words):
    fake.add_trace("YT0000000001")
    fake.errors["YT0000000002"] = code
    with pytest.raises(CarrierError, match=words):
        adapter(fake).fetch_traces([query("YT0000000001"), query("YT0000000002")])


def test_an_account_refusal_stops_the_queries_not_yet_sent(fake):
    numbers = [f"YT00000000{i:02d}" for i in range(10)]
    fake.errors[numbers[0]] = "601"
    with pytest.raises(CarrierError):
        adapter(fake, concurrency="1").fetch_traces([query(n) for n in numbers])
    assert [q["num"] for q in fake.queries] == [numbers[0]]


def test_overload_answers_are_retried(fake):
    fake.add_trace("YT0000000001")
    fake.http_failures = [502, 503]
    result = adapter(fake, retries="2").fetch_traces([query("YT0000000001")])["YT0000000001"]
    assert result.found and len(fake.server.requests) == 3


def test_a_host_failing_for_every_waybill_raises(fake):
    fake.add_trace("YT0000000001")
    fake.http_failures = [502, 502]
    with pytest.raises(CarrierError, match="HTTP 502"):
        adapter(fake, retries="1").fetch_traces([query("YT0000000001")])


def test_a_timeout_is_that_waybills_error_unless_every_waybill_times_out(fake):
    fake.add_trace("YT0000000001")
    fake.add_trace("YT0000000002")
    fake.delays["YT0000000002"] = 0.6
    carrier = adapter(fake, timeout="0.3", retries="0")
    results = carrier.fetch_traces([query("YT0000000001"), query("YT0000000002")])
    assert results["YT0000000001"].found
    assert not results["YT0000000002"].found and "超时" in results["YT0000000002"].error
    with pytest.raises(CarrierError, match="超时"):
        carrier.fetch_traces([query("YT0000000002")])


def test_many_waybills_are_queried_concurrently(fake):
    numbers = [f"YT9{i:011d}" for i in range(40)]
    for number in numbers:
        fake.add_trace(number)
    fake.latency = 0.05
    results = adapter(fake, concurrency="16").fetch_traces([query(n) for n in numbers])
    assert list(results) == numbers and all(len(r.events) == 3 for r in results.values())
    assert 1 < fake.max_in_flight <= 16


def test_a_waybill_asked_twice_is_queried_once(fake):
    fake.add_trace("YT0000000001")
    results = adapter(fake).fetch_traces([query("YT0000000001"), query("YT0000000001")])
    assert list(results) == ["YT0000000001"] and len(fake.queries) == 1


def test_unknown_or_missing_courier_is_that_waybills_error_without_a_call(fake):
    fake.add_trace("YT0000000001")
    results = adapter(fake).fetch_traces([query("YT0000000001"), query("X1", "dhl"), query("X2", "")])
    assert results["YT0000000001"].found
    assert "dhl" in results["X1"].error and "com_codes" in results["X1"].error
    assert "没有快递公司" in results["X2"].error
    assert [q["num"] for q in fake.queries] == ["YT0000000001"]


def test_com_codes_override_the_built_in_table(fake):
    fake.add_trace("DP0000000001")
    adapter(fake, com_codes="deppon=huitongkuaidi").fetch_traces([query("DP0000000001", "deppon")])
    assert fake.queries[0]["com"] == "huitongkuaidi"
    result = adapter(fake, com_codes="deppon=nosuchcom").fetch_traces([query("DP0000000001", "deppon")])
    assert "400" in result["DP0000000001"].error


# --- subscription ------------------------------------------------------------------------------

CALLBACK = "https://yundan.example.com/hooks/kuaidi100"


def test_subscribe_sends_the_documented_param(fake):
    carrier = adapter(fake, callback_url=CALLBACK, salt="s3cret")
    assert carrier.subscribe([query("SF1234567890", "sf", "5678")]) == {"SF1234567890": ""}
    request = fake.server.requests[0]
    assert request.path == "/poll" and request.form["schema"] == "json"
    assert fake.subscriptions[("shunfeng", "SF1234567890")] == {
        "company": "shunfeng", "number": "SF1234567890", "from": "北京市 北京市 大兴区", "to": "浙江省 杭州市 西湖区",
        "key": fake.key,
        "parameters": {"callbackurl": CALLBACK, "salt": "s3cret", "resultv2": "4", "phone": "5678"},
    }


def test_subscribe_accepts_200_and_already_tracked_501_and_explains_700(fake):
    carrier = adapter(fake, callback_url=CALLBACK)
    fake.subscribe_codes["YT0000000003"] = "700"
    first = carrier.subscribe([query("YT0000000001"), query("YT0000000003"), query("X1", "dhl")])
    assert first["YT0000000001"] == ""
    assert "700" in first["YT0000000003"] and "订阅数据有误" in first["YT0000000003"]
    assert "dhl" in first["X1"]
    assert carrier.subscribe([query("YT0000000001")]) == {"YT0000000001": ""}  # 501: already tracked
    assert "salt" not in fake.subscriptions[("yuantong", "YT0000000001")]["parameters"]


def test_subscribe_with_a_bad_key_fails_the_account(fake):
    with pytest.raises(CarrierError, match="600"):
        adapter(fake, callback_url=CALLBACK, key="wrong-key").subscribe([query("YT0000000001")])


def test_subscribe_is_skipped_without_a_callback_url(fake):
    assert adapter(fake).subscribe([query("YT0000000001")]) == {}
    assert fake.server.requests == []


# --- check, allocation, settings ---------------------------------------------------------------

def test_check_takes_no_result_as_proof_that_the_key_works(fake):
    assert "有效" in adapter(fake).check()
    assert fake.queries[0]["num"] == CHECK_NUMBER


def test_check_raises_for_a_bad_key_or_a_refusal(fake):
    with pytest.raises(CarrierError, match="503"):
        adapter(fake, customer="SOMEONEELSE").check()
    fake.errors[CHECK_NUMBER] = "601"
    with pytest.raises(CarrierError, match="601"):
        adapter(fake).check()
    fake.errors[CHECK_NUMBER] = "502"
    with pytest.raises(CarrierError, match="繁忙"):
        adapter(fake).check()


def test_kuaidi100_does_not_allocate(fake):
    with pytest.raises(CarrierError, match="不分配运单号"):
        adapter(fake).allocate_waybills([AllocationRequest("312345678901", ORIGIN, DEST)])


def test_kind_and_limits_for_the_scheduler():
    kind = (KIND.kind, KIND.label, KIND.serves, KIND.allocates, KIND.direct)
    assert kind == ("kuaidi100", "快递100", None, False, False)
    names = {key.name for key in KIND.keys}
    assert {"query_url", "subscribe_url", "customer", "key", "salt", "callback_url", "resultv2", "com_codes",
            "min_interval_minutes", "daily_limit", "timeout", "retries", "rate_per_second", "concurrency"} <= names
    assert {key.name for key in KEYS if key.secret} == {"key", "salt"}
    assert {key.name for key in KEYS if key.default is None} == {"customer", "key"}
    carrier = KIND.build({"customer": "C1", "key": "K1"})
    assert (carrier.code, carrier.simulated) == ("kuaidi100", False)
    assert (carrier.min_interval, carrier.daily_limit) == (timedelta(minutes=30), 48)
    carrier = KIND.build({"customer": "C1", "key": "K1", "min_interval_minutes": "60", "daily_limit": "24"})
    assert (carrier.min_interval, carrier.daily_limit) == (timedelta(hours=1), 24)


@pytest.mark.parametrize(("setting", "words"), [
    ({"query_url": "poll.kuaidi100.com/poll/query.do"}, "query_url"),
    ({"callback_url": "ftp://example.com/hook"}, "callback_url"),
    ({"daily_limit": "many"}, "daily_limit"),
    ({"min_interval_minutes": "-5"}, "min_interval_minutes"),
    ({"timeout": "ten"}, "timeout"),
    ({"resultv2": "four"}, "resultv2"),
    ({"com_codes": "sf"}, "sf"),
    ({"com_codes": "dhl=dhl"}, "dhl"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"salt": "x" * 33}, "salt"),
    ({"key": ""}, "key"),
])
def test_build_refuses_bad_settings(setting, words):
    with pytest.raises(CarrierError, match=words):
        KIND.build({"customer": "C1", "key": "K1", **setting})
