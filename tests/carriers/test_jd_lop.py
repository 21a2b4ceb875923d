"""The LOP adapter against a fake api.jdl.com: signing, body identity, errors and traces."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fakes.jd_lop import ACCESS_TOKEN, APP_KEY, APP_SECRET, CUSTOMER_CODE, SIGN_ERROR, TRACE_PATH, FakeLop

from yundan.carriers.base import Address, AllocationRequest, CarrierError, TraceQuery
from yundan.carriers.http import CarrierHttp
from yundan.carriers.jd import LOP_KIND, LopCarrier
from yundan.carriers.jd.lop import LopClient, sign, sign_text
from yundan.carriers.jd.settings import LOP_KEYS

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)  # 15:30 in Beijing
HERE = Address("北京市", "北京市", "朝阳区")
A, B = "JDX000000000001", "JDX000000000002"
DETAILS = [
    {"waybillCode": A, "operationTitle": "妥投", "operationRemark": "您的快件已由本人签收",
     "operationTime": "2026-11-22 10:05:00", "operatorName": "王伟", "operatorPhone": "13800000000",
     "operateSiteId": 1234, "category": 530, "categoryName": "妥投", "state": 150},
    {"waybillCode": A, "operationTitle": "揽收任务分配", "operationRemark": "",
     "operationTime": "2026-11-20 15:40:00", "operatorName": "李强", "operatorPhone": "13900000000",
     "category": 390, "categoryName": "揽收中", "state": 200034},
]
SIGNED = ('secaccess_tokentokapp_keykeymethod/ecap/v1/orders/trace/queryparam_json'
          '[{"waybillCode":"JDX000000000001","orderOrigin":1,"customerCode":"京东商家"}]'
          'timestamp2026-11-20 15:30:00v2.0sec')


def settings(server, **changes):
    values = {key.name: key.default for key in LOP_KEYS if key.default is not None}
    values |= {"endpoint": server.base_url, "app_key": APP_KEY, "app_secret": APP_SECRET,
               "access_token": ACCESS_TOKEN, "customer_code": CUSTOMER_CODE}
    return values | changes


def carrier(server, **changes) -> LopCarrier:
    return LopCarrier.from_settings(settings(server, **changes), now=lambda: NOW, sleep=lambda seconds: None)


def queries(*numbers):
    return [TraceQuery(n, HERE, HERE) for n in numbers]


def test_sign_text_follows_the_fixed_order():
    body = '[{"waybillCode":"JDX000000000001","orderOrigin":1,"customerCode":"京东商家"}]'
    assert sign_text("sec", "tok", "key", TRACE_PATH, body, "2026-11-20 15:30:00") == SIGNED


@pytest.mark.parametrize(("algorithm", "case", "expected"), [
    # md5sum / openssl dgst -hmac over the UTF-8 bytes of SIGNED
    ("md5-salt", "upper", "E20B6D4A632D1A4D48835F3AB1F6F9D5"),
    ("md5-salt", "lower", "e20b6d4a632d1a4d48835f3ab1f6f9d5"),
    ("HMacSHA256", "upper", "JeUQ8R4pbvwiBerhO6ZjTpQLBraNyQA669zb2aCNdpY="),
    ("HMacSHA1", "lower", "RDEYQA47lwkix5ilP7toS5RRUHI="),
])
def test_sign_matches_hand_computed_vectors(algorithm, case, expected):
    assert sign(SIGNED, "sec", algorithm, case) == expected


def test_request_signs_the_very_bytes_it_sends():
    client = LopClient("http://x", "key", "sec", "tok", CarrierHttp(), now=lambda: NOW)
    params, body = client.request(TRACE_PATH, [{"waybillCode": A, "orderOrigin": 1, "customerCode": "京东商家"}])
    assert body.decode() == SIGNED[SIGNED.index("["):SIGNED.index("timestamp")]
    assert params == {"LOP-DN": "ECAP", "app_key": "key", "access_token": "tok", "timestamp": "2026-11-20 15:30:00",
                      "v": "2.0", "sign": "E20B6D4A632D1A4D48835F3AB1F6F9D5"}
    hmac_client = LopClient("http://x", "key", "sec", "tok", CarrierHttp(), algorithm="HMacSHA256", now=lambda: NOW)
    assert hmac_client.request(TRACE_PATH, [])[0]["algorithm"] == "HMacSHA256"


@pytest.mark.parametrize(("algorithm", "case"), [("md5-salt", "upper"), ("md5-salt", "lower"),
                                                 ("HMacSHA256", "upper"), ("HMacSHA512", "upper")])
def test_the_fake_accepts_each_signing_variant(algorithm, case):
    fake = FakeLop(traces={A: DETAILS})
    with fake.server() as server:
        result = carrier(server, algorithm=algorithm, sign_case=case).fetch_traces(queries(A))[A]
    assert result.found and not result.error


def test_the_body_sent_is_byte_identical_to_the_body_signed():
    fake = FakeLop(traces={A: DETAILS})
    with fake.server() as server:
        # A customer code the fake does not know still passes the signature check: the fake
        # re-signs the raw bytes it got, non-ASCII included, and only then reads them.
        result = carrier(server, customer_code="京东商家").fetch_traces(queries(A))[A]
    assert "运单不属于" in result.error
    assert fake.bodies == ['[{"waybillCode":"JDX000000000001","orderOrigin":1,"customerCode":"京东商家"}]'.encode()]


def test_trace_details_become_events_oldest_first():
    fake = FakeLop(traces={A: DETAILS})
    with fake.server() as server:
        assigned, done = carrier(server).fetch_traces(queries(A))[A].events
    assert (assigned.raw_code, assigned.status, assigned.raw_text) == ("390/200034", "pending", "揽收任务分配")
    assert assigned.time == datetime(2026, 11, 20, 15, 40, tzinfo=SH)
    assert (done.raw_code, done.status, done.raw_text) == ("530/150", "delivered", "您的快件已由本人签收")
    assert (done.courier_name, done.courier_phone) == ("王伟", "13800000000")
    assert json.loads(fake.bodies[0]) == [{"waybillCode": A, "orderOrigin": 1, "customerCode": CUSTOMER_CODE}]


def test_an_empty_trace_is_not_found_and_a_refusal_is_that_waybills_error():
    fake = FakeLop(traces={A: DETAILS}, refusals={B: ("3001", "运单号不存在")})
    with fake.server() as server:
        results = carrier(server).fetch_traces(queries(A, B, "JDX000000000003"))
    assert results[A].found
    assert not results[B].found and "3001" in results[B].error and "运单号不存在" in results[B].error
    assert (results["JDX000000000003"].found, results["JDX000000000003"].error) == (False, "")


def test_a_sign_error_is_per_waybill_unless_its_code_is_an_account_code():
    with FakeLop(traces={A: DETAILS}).server() as server:
        result = carrier(server, app_secret="wrong").fetch_traces(queries(A))[A]
        assert "签名验证失败" in result.error
        with pytest.raises(CarrierError, match="签名验证失败"):
            carrier(server, app_secret="wrong", account_error_codes=f"{SIGN_ERROR}, 9999").fetch_traces(queries(A, B))


def test_502_is_retried():
    fake = FakeLop(traces={A: DETAILS}, fail_statuses=[502, 502])
    with fake.server() as server:
        assert carrier(server).fetch_traces(queries(A))[A].found
        fake.fail_statuses = [502, 502, 502]
        with pytest.raises(CarrierError, match="502"):
            carrier(server).fetch_traces(queries(A))


def test_check():
    with FakeLop().server() as server:
        assert "有效" in carrier(server).check()
        with pytest.raises(CarrierError, match="签名验证失败"):
            carrier(server, app_secret="wrong").check()
        with pytest.raises(CarrierError, match="接口不存在|404"):
            carrier(server, trace_path="/ecap/v1/orders/nothing").check()


def test_lop_neither_allocates_nor_subscribes():
    with FakeLop().server() as server:
        lop = carrier(server)
        with pytest.raises(CarrierError, match="不分配运单号"):
            lop.allocate_waybills([AllocationRequest("300000000001", HERE, HERE)])
        assert lop.subscribe(queries(A)) == {}


def test_kind_and_settings():
    assert (LOP_KIND.kind, LOP_KIND.label, LOP_KIND.serves, LOP_KIND.allocates, LOP_KIND.direct) == (
        "jd_lop", "京东物流开放平台 (LOP)", frozenset({"jd"}), False, True,
    )
    keys = {key.name: key for key in LOP_KIND.keys}
    assert {"endpoint", "app_key", "app_secret", "access_token", "customer_code", "lop_dn", "trace_path",
            "order_origin", "algorithm", "sign_case", "success_code", "account_error_codes"} <= set(keys)
    assert (keys["endpoint"].default, keys["lop_dn"].default, keys["algorithm"].default) == (
        "https://api.jdl.com", "ECAP", "md5-salt",
    )
    assert keys["app_secret"].secret and keys["access_token"].secret


@pytest.mark.parametrize(("change", "message"), [
    ({"endpoint": "ftp://api.jdl.com"}, "endpoint"),
    ({"algorithm": "sha1"}, "algorithm"),
    ({"sign_case": "title"}, "sign_case"),
    ({"order_origin": "3"}, "order_origin"),
    ({"customer_code": ""}, "customer_code"),
    ({"trace_path": "ecap/v1/orders/trace/query"}, "trace_path"),
    ({"concurrency": "-1"}, "concurrency"),
])
def test_build_names_the_bad_setting(change, message):
    values = {key.name: key.default for key in LOP_KEYS if key.default is not None}
    values |= {"app_key": "k", "app_secret": "s", "access_token": "t", "customer_code": "c"} | change
    with pytest.raises(CarrierError, match=message):
        LOP_KIND.build(values)


def test_c2c_needs_no_customer_code_and_choices_ignore_case():
    values = {key.name: key.default for key in LOP_KEYS if key.default is not None}
    values |= {"app_key": "k", "app_secret": "s", "access_token": "t", "order_origin": "0", "algorithm": "hmacsha256"}
    lop = LOP_KIND.build(values)
    assert (lop.customer_code, lop.order_origin, lop.client.algorithm) == ("", 0, "HMacSHA256")
