"""The sandbox carrier: numbers, scenarios, simulated traces and the adapter."""

import re
import statistics
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from hypothesis import given, settings as hsettings, strategies as st

if not settings.configured:
    settings.configure(USE_TZ=True, TIME_ZONE="Asia/Shanghai")

from django.test import override_settings  # noqa: E402

from yundan.carriers.base import Address, AllocationRequest, CarrierError, TraceQuery  # noqa: E402
from yundan.carriers.sandbox import (  # noqa: E402
    RAW_STATUS,
    SCENARIOS,
    SandboxCarrier,
    is_sandbox_waybill,
    sandbox_waybill,
    scenario_of,
    trajectory,
)
from yundan.tracking.statuses import TrackingStatus, is_terminal  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
SHIPPED = datetime(2026, 11, 20, 15, 30, tzinfo=SH)
LATER = SHIPPED + timedelta(days=20)
HANGZHOU = Address("浙江省", "杭州市", "西湖区", "文三路 100 号")
NINGBO = Address("浙江", "宁波市", "鄞州区")
BEIJING = Address("北京市", "北京市", "朝阳区")
TIANJIN = Address("天津市", "天津市", "南开区")
GUANGZHOU = Address("广东省", "广州市", "天河区")
URUMQI = Address("新疆维吾尔自治区", "乌鲁木齐市", "天山区")
TERMINAL = {
    "delivered": "delivered",
    "locker_pickup": "delivered",
    "stalled": "in_transit",
    "failed_then_delivered": "delivered",
    "rejected_returned": "returned",
    "lost": "lost",
}
JD_NUMBER = re.compile(r"^JDX\d{12}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def trace(no, origin=HANGZHOU, destination=URUMQI, now=LATER, scenario=None):
    return trajectory(no, origin, destination, SHIPPED, now, scenario)


def test_scenario_table_is_complete_and_adds_up():
    assert list(SCENARIOS) == list(TERMINAL)
    assert [digit for digit, _share, _text in SCENARIOS.values()] == [1, 2, 3, 4, 5, 6]
    assert sum(share for _d, share, _t in SCENARIOS.values()) == pytest.approx(1.0)
    assert set(RAW_STATUS.values()) <= {s.value for s in TrackingStatus}


def test_waybill_format_and_forced_digit():
    assert sandbox_waybill(42) == "JDX900000000042"
    for name, (digit, _share, _text) in SCENARIOS.items():
        number = sandbox_waybill(123, name)
        assert JD_NUMBER.match(number) and number.startswith(f"JDX9{digit}")
        assert is_sandbox_waybill(number) and scenario_of(number) == name
        assert trace(number)[-1].status == TERMINAL[name]
    assert not is_sandbox_waybill("JDX000000000042") and not is_sandbox_waybill("SF1234567890")
    with pytest.raises(ValueError):
        sandbox_waybill(10**10)
    with pytest.raises(ValueError):
        sandbox_waybill(1, "teleported")


def test_hash_based_shares_match_the_documentation():
    counts = Counter(scenario_of(sandbox_waybill(serial)) for serial in range(5000))
    for name, (_digit, share, _text) in SCENARIOS.items():
        assert abs(counts[name] / 5000 - share) <= 0.03, (name, counts[name])


def test_any_number_gets_a_stable_scenario():
    for number in ("JDX000123456789", "JDVA12345678901", "SF1400000000001", "  jdx912000000001 "):
        assert scenario_of(number) in SCENARIOS
        assert scenario_of(number) == scenario_of(number)
    assert scenario_of(" jdx930000000001") == "stalled"


def test_deterministic_and_different_per_waybill():
    first, again = trace("JDX900000000001"), trace("JDX900000000001")
    assert first == again
    assert trace("JDX900000000002") != first


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("route", [(HANGZHOU, URUMQI), (BEIJING, TIANJIN), (HANGZHOU, NINGBO)])
def test_every_scenario_reaches_its_end(name, route):
    for serial in range(1, 16):
        events = trace(sandbox_waybill(serial, name), *route)
        statuses = [e.status for e in events]
        assert statuses[:2] == ["pending", "picked_up"]
        assert statuses[2] == "in_transit"
        assert statuses[-1] == TERMINAL[name]
        # a terminal status only ever closes the trace
        assert not any(is_terminal(s) for s in statuses[:-1])
        assert all(e.status == RAW_STATUS[e.raw_code] for e in events)
        assert all(a.time <= b.time for a, b in zip(events, events[1:]))
        assert all(e.time.tzinfo is not None and e.raw_text and e.location for e in events)
        if name == "rejected_returned":
            assert statuses.index("rejected") < statuses.index("returning") < len(statuses) - 1
        if name == "failed_then_delivered":
            failed = statuses.index("delivery_failed")
            assert statuses[failed + 1 :] == ["out_for_delivery", "delivered"]
            assert events[failed + 1].time.date() > events[failed].time.date()
        if name == "locker_pickup":
            assert "awaiting_pickup" in statuses
        if name in ("stalled", "lost"):
            assert "out_for_delivery" not in statuses
            assert statuses[-2 if name == "lost" else -1] == "in_transit"
        if name == "lost":
            assert timedelta(days=6) < events[-1].time - events[-2].time < timedelta(days=8)


def test_stalled_never_moves_again():
    number = sandbox_waybill(7, "stalled")
    assert trace(number, now=SHIPPED + timedelta(days=5)) == trace(number, now=SHIPPED + timedelta(days=365))


@hsettings(max_examples=60, deadline=None)
@given(serial=st.integers(0, 10**10 - 1), hours=st.floats(-5, 24 * 20))
def test_now_only_cuts_the_full_trace(serial, hours):
    number = sandbox_waybill(serial)
    now = SHIPPED + timedelta(hours=hours)
    events = trace(number, now=now)
    assert all(e.time <= now for e in events)
    full = trace(number)
    assert events == full[: len(events)]
    assert len(events) == len(full) or full[len(events)].time > now


def test_naive_times_count_as_beijing_time():
    naive = trajectory("JDX900000000005", HANGZHOU, BEIJING, SHIPPED.replace(tzinfo=None),
                       LATER.replace(tzinfo=None))
    assert naive == trace("JDX900000000005", destination=BEIJING)


def _delivery_hours(origin, destination, serials):
    hours = []
    for serial in serials:
        events = trace(sandbox_waybill(serial, "delivered"), origin, destination)
        hours.append((events[-1].time - SHIPPED).total_seconds() / 3600)
    return hours


def test_timing_grows_with_distance():
    near = _delivery_hours(BEIJING, TIANJIN, range(1, 41))
    far = _delivery_hours(BEIJING, URUMQI, range(1, 41))
    assert statistics.mean(near) + 24 < statistics.mean(far)
    assert max(near) < 72


def test_route_hubs():
    locations = {e.location for e in trace(sandbox_waybill(3, "delivered"), BEIJING, GUANGZHOU)}
    assert {"北京亚一分拣中心", "广州黄埔分拣中心"} <= locations
    assert any(loc.endswith(("分拣中心", "转运中心")) and loc not in {"北京亚一分拣中心", "广州黄埔分拣中心"}
               for loc in locations)  # a national hub between them
    near = trace(sandbox_waybill(3, "delivered"), HANGZHOU, NINGBO)
    hubs = {e.location for e in near if e.location.endswith(("分拣中心", "转运中心"))}
    assert hubs == {"杭州转运中心"}
    assert near[1].location == "杭州西湖营业部" and near[-1].location == "宁波鄞州营业部"


def test_unknown_places_still_simulate():
    events = trace("JDX900000000009", Address("火星", "奥林匹斯"), Address("", ""), scenario="delivered")
    assert events[-1].status == "delivered"


def test_out_for_delivery_between_8_and_10():
    for serial in range(1, 30):
        for e in trace(sandbox_waybill(serial, "failed_then_delivered"), BEIJING, URUMQI):
            if e.status == "out_for_delivery":
                assert 8 <= e.time.astimezone(SH).hour < 10


def test_couriers_on_pickup_and_delivery():
    for serial in range(1, 20):
        events = trace(sandbox_waybill(serial, "delivered"))
        for e in events:
            if e.status in ("picked_up", "out_for_delivery", "delivered"):
                assert len(e.courier_name) >= 2 and MOBILE.match(e.courier_phone)
                assert len(e.courier_phone) == 11
            if e.status in ("picked_up", "out_for_delivery"):
                assert e.courier_name in e.raw_text and e.courier_phone in e.raw_text


def test_allocate_uses_injected_serials_and_scenarios():
    asked = []

    def next_serials(count):
        asked.append(count)
        return list(range(500, 500 + count))

    carrier = SandboxCarrier(next_serials)
    assert (carrier.code, carrier.simulated) == ("sandbox", True)
    allocations = carrier.allocate_waybills([
        AllocationRequest("O1", HANGZHOU, BEIJING),
        AllocationRequest("O2", HANGZHOU, BEIJING, scenario="lost"),
    ])
    numbers = [a.waybill_no for a in allocations]
    assert asked == [2]
    assert numbers == ["JDX900000000500", "JDX960000000501"]
    assert all(JD_NUMBER.match(n) and n.startswith("JDX9") for n in numbers)
    assert carrier.allocate_waybills([]) == []
    default = SandboxCarrier()
    first, second = (default.allocate_waybills([AllocationRequest("O", HANGZHOU, BEIJING)]) for _ in "ab")
    assert first != second
    with pytest.raises(CarrierError):
        default.allocate_waybills([AllocationRequest("O", HANGZHOU, BEIJING, scenario="nope")])


def test_fetch_traces():
    carrier = SandboxCarrier()
    delivered, lost = sandbox_waybill(1, "delivered"), sandbox_waybill(2, "lost")
    queries = [
        TraceQuery(delivered, HANGZHOU, BEIJING, shipped_at=SHIPPED),
        TraceQuery(lost, HANGZHOU, BEIJING, shipped_at=SHIPPED),
        TraceQuery("JDX900000000003", HANGZHOU, BEIJING),
    ]
    with override_settings(YUNDAN_NOW=LATER, YUNDAN_SANDBOX_SCENARIO=None):
        results = carrier.fetch_traces(queries)
    assert results[delivered].found and results[delivered].events[-1].status == "delivered"
    assert results[lost].events[-1].status == "lost"
    unshipped = results["JDX900000000003"]
    assert (unshipped.found, unshipped.error, unshipped.events) == (False, "暂无物流信息", [])

    with override_settings(YUNDAN_NOW=LATER, YUNDAN_SANDBOX_SCENARIO="rejected_returned"):
        forced = carrier.fetch_traces(queries)
    assert forced[delivered].events[-1].status == forced[lost].events[-1].status == "returned"

    with override_settings(YUNDAN_NOW=SHIPPED - timedelta(hours=1)):
        early = carrier.fetch_traces(queries[:1])[delivered]
    assert (early.found, early.events) == (False, [])

    with override_settings(YUNDAN_NOW=LATER, YUNDAN_SANDBOX_SCENARIO="teleported"):
        with pytest.raises(CarrierError):
            carrier.fetch_traces(queries)


def test_an_intercepted_parcel_turns_back_to_the_sender_and_ends_returned():
    from yundan.carriers.sandbox.trajectory import trajectory

    origin, destination = Address("北京市", "北京市", "大兴区"), Address("广东省", "深圳市", "南山区")
    shipped = datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    plain = trajectory("JDX910000000007", origin, destination, shipped, shipped + timedelta(days=30))
    cut = plain[3].time
    turned = trajectory("JDX910000000007", origin, destination, shipped, shipped + timedelta(days=30),
                        intercepted_at=cut)
    assert turned[:4] == plain[:4]
    assert turned[4].status == TrackingStatus.RETURNING and "拦截" in turned[4].raw_text
    assert turned[-1].status == TrackingStatus.RETURNED
    assert turned[-1].location == plain[1].location  # back at the station that picked it up
    assert [e.time for e in turned] == sorted(e.time for e in turned)
    assert all(e.status != TrackingStatus.DELIVERED for e in turned)


def test_a_delivered_parcel_cannot_be_intercepted():
    carrier = SandboxCarrier()
    origin, destination = Address("北京市", "北京市", "大兴区"), Address("广东省", "深圳市", "南山区")
    query = TraceQuery("JDX910000000007", origin, destination, datetime(2026, 1, 2, 9, 0, tzinfo=SH))
    assert "无法拦截" in carrier.request_return([query])["JDX910000000007"]
