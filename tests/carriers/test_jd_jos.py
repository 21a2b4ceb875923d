"""The JOS adapter against a fake JOS gateway: signing, envelopes, errors, traces, allocation."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fakes.jd_jos import ACCESS_TOKEN, APP_KEY, APP_SECRET, CUSTOMER_CODE, ETMS_TRACE, FakeJos

from yundan.carriers.base import Address, AllocationRequest, CarrierError, Routing, TraceQuery
from yundan.carriers.http import CarrierHttp
from yundan.carriers.jd import JOS_KIND, JosCarrier
from yundan.carriers.jd.gateway import JosClient, JosGatewayError, sign, unwrap
from yundan.carriers.jd.settings import JOS_KEYS

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)  # 15:30 in Beijing
HERE = Address("北京市", "北京市", "朝阳区")
A, B = "JDX000000000001", "JDX000000000002"
ENTRIES = [  # newest first, as JD often sends them
    {"opeTitle": "妥投", "opeRemark": "您的快件已由本人签收", "opeName": "杭州西湖营业部",
     "opeTime": "2026/11/22 10:05:00", "waybillCode": A, "courier": "王伟", "courierTel": "13800000000"},
    {"opeTitle": "派送", "opeRemark": "", "opeName": "杭州西湖营业部", "opeTime": "2026-11-22 08:30:00"},
    {"opeTitle": "揽收", "opeRemark": "您的快件已由【北京朝阳营业部】揽收完成", "opeName": "北京朝阳营业部",
     "opeTime": "2026-11-20 16:00:00"},
]


def settings(server, **changes):
    values = {key.name: key.default for key in JOS_KEYS if key.default is not None}
    values |= {"endpoint": server.url("/routerjson"), "app_key": APP_KEY, "app_secret": APP_SECRET,
               "access_token": ACCESS_TOKEN, "customer_code": CUSTOMER_CODE}
    return values | changes


def carrier(server, **changes) -> JosCarrier:
    return JosCarrier.from_settings(settings(server, **changes), now=lambda: NOW, sleep=lambda seconds: None)


def queries(*numbers):
    return [TraceQuery(n, HERE, HERE) for n in numbers]


def test_sign_matches_a_hand_computed_vector():
    params = {
        "method": "jingdong.ldop.receive.trace.get", "app_key": "k", "access_token": "t",
        "timestamp": "2026-11-20 15:30:00", "v": "2.0",
        "360buy_param_json": '{"customerCode":"010K1234","waybillCode":"JDX000000000001"}',
    }
    # md5("s360buy_param_json{…}access_tokentapp_keykmethodjingdong.ldop.receive.trace.get"
    #     "timestamp2026-11-20 15:30:00v2.0s"), computed with md5sum
    assert sign(params, "s") == "4F9BB17292C2A6C5A399D2BA2D7A213B"
    assert sign(params | {"sign": "ignored"}, "s") == "4F9BB17292C2A6C5A399D2BA2D7A213B"


def test_sign_hashes_utf8_and_form_leaves_out_empty_params():
    client = JosClient("http://x", "key", "sec", "", CarrierHttp(), now=lambda: NOW)
    form = client.form(ETMS_TRACE, {"customerCode": "京东商家"})
    assert form == {
        "method": ETMS_TRACE, "app_key": "key", "timestamp": "2026-11-20 15:30:00", "v": "2.0",
        "360buy_param_json": '{"customerCode":"京东商家"}',
        "sign": "210A81DA1F8F24646B12F3DAE27FDB36",  # md5sum of the UTF-8 string, no access_token
    }


@pytest.mark.parametrize("suffix", ["_responce", "_response", "_result"])
def test_every_envelope_spelling_is_unwrapped(suffix):
    fake = FakeJos(traces={A: ENTRIES}, suffix=suffix)
    with fake.server() as server:
        result = carrier(server).fetch_traces(queries(A))[A]
    assert result.found and [e.status for e in result.events] == ["picked_up", "out_for_delivery", "delivered"]


def test_unwrap_refuses_an_answer_it_cannot_read():
    with pytest.raises(CarrierError, match="无法识别"):
        unwrap("a.b", {"x_responce": {}, "y": {}})
    with pytest.raises(CarrierError, match="无法识别"):
        unwrap("a.b", ["not", "an", "object"])


def test_camel_case_entries_become_events_oldest_first():
    fake = FakeJos(traces={A: ENTRIES})
    with fake.server() as server:
        result = carrier(server).fetch_traces(queries(A))[A]
    picked, out, done = result.events
    assert picked.time == datetime(2026, 11, 20, 16, 0, tzinfo=SH) and picked.time.tzinfo is not None
    assert done.time == datetime(2026, 11, 22, 10, 5, tzinfo=SH)  # the "/" separator
    assert (done.raw_code, done.raw_text, done.location) == ("妥投", "您的快件已由本人签收", "杭州西湖营业部")
    assert (done.courier_name, done.courier_phone) == ("王伟", "13800000000")
    assert out.raw_text == "派送"  # no remark: the title stands in
    assert fake.calls[0]["method"] == "jingdong.ldop.receive.trace.get"
    assert CUSTOMER_CODE in fake.calls[0]["360buy_param_json"]


def test_snake_case_entries_of_the_old_trace_api():
    fake = FakeJos(traces={A: ENTRIES})
    with fake.server() as server:
        result = carrier(server, trace_method=ETMS_TRACE).fetch_traces(queries(A))[A]
    assert fake.calls[0]["360buy_param_json"] == '{"waybillCode":"JDX000000000001"}'
    assert [(e.raw_code, e.location, e.status) for e in result.events] == [
        ("揽收", "北京朝阳营业部", "picked_up"), ("派送", "杭州西湖营业部", "out_for_delivery"),
        ("妥投", "杭州西湖营业部", "delivered"),
    ]
    assert result.events[-1].time == datetime(2026, 11, 22, 10, 5, tzinfo=SH)


def test_empty_trace_is_not_found_without_error():
    with FakeJos().server() as server:
        result = carrier(server).fetch_traces(queries(A))[A]
    assert (result.found, result.events, result.error) == (False, [], "")


def test_one_waybills_refusal_is_that_waybills_error():
    fake = FakeJos(traces={A: ENTRIES}, refusals={B: (101, "运单号不存在")})
    with fake.server() as server:
        results = carrier(server).fetch_traces(queries(A, B))
    assert results[A].found and not results[A].error
    assert not results[B].found and "101" in results[B].error and "运单号不存在" in results[B].error


def test_an_unreadable_time_is_that_waybills_error():
    fake = FakeJos(traces={A: [ENTRIES[0] | {"opeTime": "昨天"}], B: ENTRIES})
    with fake.server() as server:
        results = carrier(server).fetch_traces(queries(A, B))
    assert "时间" in results[A].error and len(results[B].events) == 3


def test_success_code_is_a_setting():
    fake = FakeJos(traces={A: ENTRIES}, success_code=200)
    with fake.server() as server:
        assert "200" in carrier(server).fetch_traces(queries(A))[A].error
        assert carrier(server, success_code="200").fetch_traces(queries(A))[A].found


def test_a_bad_signature_fails_the_whole_batch():
    with FakeJos(traces={A: ENTRIES}).server() as server:
        with pytest.raises(JosGatewayError, match="12.*无效签名") as caught:
            carrier(server, app_secret="wrong").fetch_traces(queries(A, B))
    assert caught.value.code == "12"


def test_a_bad_token_fails_the_whole_batch():
    with FakeJos().server() as server:
        with pytest.raises(CarrierError, match="access_token"):
            carrier(server, access_token="expired").fetch_traces(queries(A, B))


def test_unknown_method_is_gateway_code_15():
    with FakeJos().server() as server:
        client = carrier(server).client
        with pytest.raises(JosGatewayError, match="不存在的方法名") as caught:
            client.call("jingdong.no.such.method", {})
    assert caught.value.code == "15"


def test_many_waybills_are_fetched_concurrently_and_each_once():
    numbers = [f"JDX{n:012d}" for n in range(1, 41)]
    fake = FakeJos(traces={n: ENTRIES for n in numbers})
    with fake.server(latency=0.02) as server:
        results = carrier(server, concurrency="8").fetch_traces(queries(*numbers, *numbers))
    assert set(results) == set(numbers) and all(len(r.events) == 3 for r in results.values())
    assert len(fake.calls) == 40


def test_502_is_retried_then_reported():
    fake = FakeJos(traces={A: ENTRIES}, fail_statuses=[502, 502])
    with fake.server() as server:
        assert carrier(server).fetch_traces(queries(A))[A].found
        fake.fail_statuses = [502, 502, 502]
        with pytest.raises(CarrierError, match="502"):
            carrier(server).fetch_traces(queries(A))


def test_allocation_in_batches_of_100_in_request_order():
    fake = FakeJos()
    requests = [AllocationRequest(f"3000000{i:05d}", HERE, HERE) for i in range(250)]
    with fake.server() as server:
        allocations = carrier(server).allocate_waybills(requests)
    assert fake.pre_nums == [100, 100, 50]
    assert [a.waybill_no for a in allocations] == [f"JDX{n:012d}" for n in range(1, 251)]
    assert all(a.routing == Routing() for a in allocations)
    assert all(c["method"] == "jingdong.etms.waybillcode.get" for c in fake.calls)
    assert '"orderType":0' in fake.calls[0]["360buy_param_json"]


def test_allocation_of_nothing_calls_nobody():
    fake = FakeJos()
    with fake.server() as server:
        assert carrier(server).allocate_waybills([]) == []
    assert fake.calls == []


def test_allocation_with_the_wrong_count_or_a_refusal_raises():
    requests = [AllocationRequest("300000000001", HERE, HERE)] * 3
    with FakeJos(short_allocation=1).server() as server:
        with pytest.raises(CarrierError, match="数量不符"):
            carrier(server).allocate_waybills(requests)
    with FakeJos(allocation_refusal=(102, "商家未开通青龙")).server() as server:
        with pytest.raises(CarrierError, match="102 商家未开通青龙"):
            carrier(server).allocate_waybills(requests)


def test_check_proves_the_credentials():
    fake = FakeJos(refusals={"JDX000000000000": (101, "运单号不存在")})
    with fake.server() as server:
        assert "有效" in carrier(server).check()
        assert "运单号不存在" in carrier(server).check()  # the API's refusal of the number is fine
        with pytest.raises(CarrierError, match="12"):
            carrier(server, app_secret="wrong").check()


def test_subscribe_is_not_offered():
    with FakeJos().server() as server:
        assert carrier(server).subscribe(queries(A)) == {}


def test_kind_and_settings():
    assert (JOS_KIND.kind, JOS_KIND.label, JOS_KIND.serves, JOS_KIND.allocates, JOS_KIND.direct) == (
        "jd_jos", "京东开放平台 (JOS)", frozenset({"jd"}), True, True,
    )
    keys = {key.name: key for key in JOS_KIND.keys}
    assert {"endpoint", "app_key", "app_secret", "access_token", "customer_code", "trace_method",
            "success_code", "timeout", "retries", "rate_per_second", "concurrency"} == set(keys)
    assert keys["app_secret"].secret and keys["access_token"].secret and not keys["app_key"].secret
    assert keys["endpoint"].default == "https://api.jd.com/routerjson"
    assert keys["customer_code"].default is None


@pytest.mark.parametrize(("change", "message"), [
    ({"endpoint": "api.jd.com/routerjson"}, "endpoint"),
    ({"timeout": "soon"}, "timeout"),
    ({"trace_method": "jingdong.trace"}, "trace_method"),
    ({"app_key": " "}, "app_key"),
])
def test_build_names_the_bad_setting(change, message):
    values = {key.name: key.default for key in JOS_KEYS if key.default is not None}
    values |= {"app_key": "k", "app_secret": "s", "access_token": "t", "customer_code": "c"} | change
    with pytest.raises(CarrierError, match=message):
        JOS_KIND.build(values)
