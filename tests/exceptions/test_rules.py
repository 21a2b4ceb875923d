"""Exception detection rules: each threshold from just below to just above, holidays, sign
anomalies, the sandbox's own scenarios, and properties over random event sequences."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from factories import NOW
from hypothesis import given, settings as hsettings, strategies as st

from yundan.carriers.base import Address, TraceQuery
from yundan.carriers.sandbox import SandboxCarrier, sandbox_waybill
from yundan.exceptions.calendar import working_deadline
from yundan.exceptions.kinds import TIME_BASED, ExceptionKind
from yundan.exceptions.rules import EventFact, PackageFacts, Thresholds, detect
from yundan.regions import REMOTE_PROVINCES
from yundan.tracking.statuses import TrackingStatus as S
from yundan.tracking.statuses import is_terminal

SH = ZoneInfo("Asia/Shanghai")
LIMITS = Thresholds()
MINUTE = timedelta(minutes=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def ev(when: str, status: str, location: str = "", text: str = "", after_terminal: bool = False):
    return EventFact(at(when), status, location, text, after_terminal)


def package(*events, shipped="2026-11-26 10:00", status=None, province="浙江省", city="杭州市"):
    status = status or (events[-1].status if events else S.PENDING)
    return PackageFacts(at(shipped), status, tuple(events), province, city)


def kinds(facts, now=NOW, limits=LIMITS):
    return set(detect(facts, now, limits))


# --- time-based rules: every case reaches its threshold exactly at NOW (Friday 10:00) ------------

THRESHOLD_CASES = {
    # shipped Thursday 10:00, nothing from the carrier: 24 h at NOW
    "no_trace": (package(), {"no_trace"}),
    "pickup_timeout": (package(ev("2026-11-26 10:05", S.PENDING)), {"pickup_timeout"}),
    # last scan Wednesday 10:00: 48 h at NOW
    "stalled": (
        package(
            ev("2026-11-24 09:00", S.PENDING), ev("2026-11-24 12:00", S.PICKED_UP),
            ev("2026-11-25 10:00", S.IN_TRANSIT), shipped="2026-11-24 09:00",
        ),
        {"stalled"},
    ),
    # to Xinjiang: last scan Tuesday 10:00, 72 h at NOW
    "stalled_remote": (
        package(
            ev("2026-11-23 12:00", S.PICKED_UP), ev("2026-11-24 10:00", S.IN_TRANSIT),
            shipped="2026-11-23 09:00", province="新疆维吾尔自治区", city="乌鲁木齐市",
        ),
        {"stalled"},
    ),
    # first round Wednesday 22:00 (2 + 24 + 10 h), a second scan of the same round does not restart it
    "delivery_timeout": (
        package(
            ev("2026-11-25 08:00", S.IN_TRANSIT), ev("2026-11-25 22:00", S.OUT_FOR_DELIVERY),
            ev("2026-11-26 09:00", S.OUT_FOR_DELIVERY), shipped="2026-11-24 09:00",
        ),
        {"delivery_timeout"},
    ),
    # into the locker Wednesday 10:00; the locker's 48 h reminder does not restart the clock
    "uncollected": (
        package(
            ev("2026-11-25 08:00", S.OUT_FOR_DELIVERY),
            ev("2026-11-25 10:00", S.AWAITING_PICKUP, "丰巢快递柜（锦绣华庭）"),
            ev("2026-11-27 09:00", S.AWAITING_PICKUP, "丰巢快递柜（锦绣华庭）", "存放超过48小时"),
            shipped="2026-11-24 09:00",
        ),
        {"uncollected"},
    ),
    # last scan Wednesday 2026-11-18 10:00: 14 + 24 + 24 + (weekend) + 4 × 24 + 10 = 168 h
    "suspected_lost": (
        package(ev("2026-11-18 10:00", S.IN_TRANSIT), shipped="2026-11-17 10:00"),
        {"stalled", "suspected_lost"},
    ),
    "suspected_lost_out_for_delivery": (
        package(ev("2026-11-18 10:00", S.OUT_FOR_DELIVERY), shipped="2026-11-17 10:00"),
        {"delivery_timeout", "suspected_lost"},
    ),
    "suspected_lost_no_trace": (package(shipped="2026-11-18 10:00"), {"no_trace", "suspected_lost"}),
}


@pytest.mark.parametrize(("facts", "expected"), THRESHOLD_CASES.values(), ids=THRESHOLD_CASES.keys())
def test_time_rules_fire_exactly_at_their_threshold(facts, expected):
    assert kinds(facts, NOW) == expected
    assert kinds(facts, NOW + MINUTE) == expected


def test_just_below_each_threshold_nothing_else_fires():
    below = {name: kinds(facts, NOW - MINUTE) for name, (facts, _) in THRESHOLD_CASES.items()}
    assert below == {
        "no_trace": set(), "pickup_timeout": set(), "stalled": set(), "stalled_remote": set(),
        "delivery_timeout": set(), "uncollected": set(), "suspected_lost": {"stalled"},
        "suspected_lost_out_for_delivery": {"delivery_timeout"},
        "suspected_lost_no_trace": {"no_trace"},
    }


def test_the_time_rules_are_exactly_the_time_based_kinds():
    fired = set().union(*(expected for _, expected in THRESHOLD_CASES.values()))
    assert fired == {kind.value for kind in TIME_BASED}


def test_kinds_are_plain_strings_and_reasons_name_the_threshold():
    found = detect(THRESHOLD_CASES["pickup_timeout"][0], NOW + timedelta(hours=6), LIMITS)
    assert [type(kind) for kind in found] == [str]
    assert found == {"pickup_timeout": "发货后 30 小时（工作时间）仍无揽收记录（阈值 24 小时）"}
    remote = detect(THRESHOLD_CASES["stalled_remote"][0], NOW, LIMITS)["stalled"]
    assert remote == "最后一条轨迹已 72 小时（工作时间）没有更新（阈值 72 小时，偏远地区）"


def test_a_remote_province_waits_longer_and_short_names_count():
    scan = ev("2026-11-25 10:00", S.IN_TRANSIT)
    to_xinjiang = package(scan, shipped="2026-11-24 09:00", province="新疆", city="乌鲁木齐市")
    assert kinds(to_xinjiang) == set()  # 48 h: enough for Hangzhou, not for Xinjiang
    to_hangzhou = package(scan, shipped="2026-11-24 09:00")
    assert kinds(to_hangzhou) == {"stalled"}


def test_a_second_delivery_round_restarts_the_delivery_clock():
    retried = package(
        ev("2026-11-25 08:00", S.OUT_FOR_DELIVERY), ev("2026-11-25 12:00", S.DELIVERY_FAILED),
        ev("2026-11-26 09:00", S.OUT_FOR_DELIVERY), shipped="2026-11-24 09:00",
    )
    assert kinds(retried) == {"delivery_failed"}  # 25 h since the second round began
    assert kinds(retried, at("2026-11-30 08:00")) == {"delivery_failed", "delivery_timeout"}


def test_pending_out_for_delivery_and_locker_have_their_own_clocks_not_stalled():
    for status in (S.PENDING, S.OUT_FOR_DELIVERY, S.AWAITING_PICKUP):
        facts = package(ev("2026-11-24 12:00", status), shipped="2026-11-24 09:00")
        assert "stalled" not in kinds(facts)


def test_problem_statuses_also_stall():
    facts = package(ev("2026-11-24 12:00", S.PICKED_UP), ev("2026-11-25 10:00", S.EXCEPTION),
                    shipped="2026-11-24 09:00")
    assert kinds(facts) == {"stalled"}


# --- holidays and weekends ----------------------------------------------------------------------


def test_no_pickup_timeout_over_golden_week():
    # Shipped the evening before National Day (10-01..10-07 off): 4 working hours on 09-30.
    facts = package(ev("2026-09-30 20:05", S.PENDING), shipped="2026-09-30 20:00")
    assert kinds(facts, at("2026-10-07 23:59")) == set()  # seven days later, still 4 h
    assert kinds(facts, at("2026-10-08 19:59")) == set()
    assert kinds(facts, at("2026-10-08 20:00")) == {"pickup_timeout"}


def test_no_trace_and_stall_over_golden_week():
    assert kinds(package(shipped="2026-09-30 20:00"), at("2026-10-08 20:00")) == {"no_trace"}
    stalled = package(ev("2026-09-30 20:00", S.IN_TRANSIT), shipped="2026-09-30 12:00")
    assert kinds(stalled, at("2026-10-09 19:59")) == set()
    assert kinds(stalled, at("2026-10-09 20:00")) == {"stalled"}
    # 4 h + 10-08, 10-09, 10-10 (make-up Saturday), 10-12..10-14 = 148 h; 168 h at 10-15 20:00.
    assert kinds(stalled, at("2026-10-15 19:59")) == {"stalled"}
    assert kinds(stalled, at("2026-10-15 20:00")) == {"stalled", "suspected_lost"}


def test_a_weekend_does_not_count():
    facts = package(ev("2026-11-27 10:05", S.PENDING), shipped="2026-11-27 10:00")
    assert kinds(facts, at("2026-11-30 09:59")) == set()  # 71 h later, 23 h 59 min of work
    assert kinds(facts, at("2026-11-30 10:00")) == {"pickup_timeout"}


def test_a_year_the_calendar_does_not_know_counts_weekends_only():
    facts = package(ev("2027-01-08 10:05", S.PENDING), shipped="2027-01-08 10:00")
    assert kinds(facts, at("2027-01-11 09:59")) == set()
    assert kinds(facts, at("2027-01-11 10:00")) == {"pickup_timeout"}


# --- what the carrier said ----------------------------------------------------------------------


def test_a_failed_delivery_stays_detected_after_the_parcel_is_delivered():
    facts = package(
        ev("2026-11-26 09:00", S.OUT_FOR_DELIVERY),
        ev("2026-11-26 11:00", S.DELIVERY_FAILED, "杭州西湖营业部", "配送异常，原因：客户电话无人接听"),
        ev("2026-11-27 09:00", S.DELIVERED, "杭州西湖营业部", "已由本人签收"),
    )
    assert detect(facts, NOW, LIMITS) == {
        "delivery_failed": "派送失败（11-26 11:00 杭州西湖营业部：配送异常，原因：客户电话无人接听）",
    }


def test_rejected_then_returned():
    facts = package(
        ev("2026-11-26 09:00", S.OUT_FOR_DELIVERY), ev("2026-11-26 10:00", S.REJECTED),
        ev("2026-11-26 12:00", S.RETURNING),
    )
    assert kinds(facts) == {"rejected", "returned"}
    back = package(*facts.events, ev("2026-11-27 09:00", S.RETURNED))
    assert kinds(back, NOW + timedelta(days=30)) == {"rejected", "returned"}


def test_lost_said_by_an_event_or_by_the_summary():
    assert kinds(package(ev("2026-11-20 10:00", S.IN_TRANSIT), ev("2026-11-27 09:00", S.LOST))) == {"lost"}
    assert kinds(package(ev("2026-11-20 10:00", S.IN_TRANSIT), status=S.LOST)) == {"lost"}


def test_terminal_packages_get_no_time_based_kinds():
    old = "2026-10-12 10:00"
    assert kinds(package(ev(old, S.DELIVERED, "杭州西湖营业部"), shipped=old)) == set()
    assert kinds(package(ev(old, S.RETURNED), shipped=old)) == {"returned"}


# --- sign anomaly -------------------------------------------------------------------------------


def delivered_at(location, text="您的快件已由本人签收", province="浙江省", city="杭州市"):
    return package(ev("2026-11-27 09:00", S.DELIVERED, location, text), province=province, city=city)


def test_events_after_delivery_are_a_sign_anomaly():
    facts = package(
        ev("2026-11-26 09:00", S.DELIVERED, "杭州西湖营业部"),
        ev("2026-11-26 15:00", S.OUT_FOR_DELIVERY, "杭州西湖营业部", "正在派送", after_terminal=True),
    )
    found = detect(facts, NOW, LIMITS)
    assert found == {"sign_anomaly": "签收/退回后仍有新轨迹（11-26 15:00 杭州西湖营业部：正在派送）"}


@pytest.mark.parametrize(
    "location",
    ["杭州西湖营业部", "丰巢快递柜（锦绣华庭）", "菜鸟驿站（万科城店）", "浙江,杭州市", "", "杭州大同路营业部"],
)
def test_delivered_in_the_destination_city_or_an_unnamed_place_is_fine(location):
    assert kinds(delivered_at(location)) == set()


@pytest.mark.parametrize("location", ["北京亚一分拣中心", "江苏,苏州市", "宁波鄞州营业部"])
def test_delivered_in_another_city_is_a_sign_anomaly(location):
    found = detect(delivered_at(location), NOW, LIMITS)
    assert set(found) == {"sign_anomaly"}
    assert found["sign_anomaly"].startswith("签收地点在")
    assert "不是收货城市杭州市" in found["sign_anomaly"]


def test_the_text_is_read_when_the_location_names_no_city():
    assert kinds(delivered_at("", "【宁波市】已签收")) == {"sign_anomaly"}
    assert kinds(delivered_at("", "【杭州市】已签收")) == set()
    assert kinds(delivered_at("杭州西湖营业部", "代收点在宁波")) == set()  # the location decides


@pytest.mark.parametrize(
    ("province", "city", "location", "anomaly"),
    [
        ("北京市", "朝阳区", "北京朝阳营业部", False),  # a municipality's city field is a district
        ("北京", "北京市", "天津武清分拣中心", True),
        ("吉林省", "延边朝鲜族自治州", "延边延吉营业部", False),
        ("吉林省", "延边朝鲜族自治州", "长春南关营业部", True),
        ("吉林省", "长春市", "吉林,长春市", False),  # 吉林 is also a city: the destination wins
        ("浙江省", "杭州", "杭州西湖营业部", False),
        ("浙江省", "绍兴市", "杭州西湖营业部", True),  # a destination city not in regions.py
    ],
)
def test_city_names_are_matched_in_their_usual_forms(province, city, location, anomaly):
    assert (kinds(delivered_at(location, province=province, city=city)) == {"sign_anomaly"}) is anomaly


# --- thresholds from settings -------------------------------------------------------------------


def test_default_thresholds_follow_the_issue():
    assert Thresholds() == Thresholds(
        pickup_timeout=24, no_trace=24, stalled=48, stalled_remote=72, delivery_timeout=36,
        uncollected=48, suspected_lost=168,
        remote_provinces=frozenset({"新疆", "西藏", "青海", "内蒙古", "甘肃", "宁夏"}),
    )
    assert Thresholds().remote_provinces == REMOTE_PROVINCES


def test_thresholds_from_settings():
    assert Thresholds.from_settings(object()) == Thresholds()  # before the settings exist
    configured = SimpleNamespace(
        YUNDAN_EXCEPTION_HOURS={"stalled": 24, "delivery_timeout": "30"},
        YUNDAN_REMOTE_PROVINCES=["西藏", "海南省"],
    )
    limits = Thresholds.from_settings(configured)
    assert (limits.stalled, limits.delivery_timeout, limits.pickup_timeout) == (24, 30, 24)
    assert limits.remote_provinces == {"西藏自治区", "海南省"}
    assert Thresholds.from_settings(SimpleNamespace(YUNDAN_REMOTE_PROVINCES=[])) == Thresholds()

    facts = package(ev("2026-11-26 10:00", S.IN_TRANSIT))
    assert kinds(facts, NOW, limits) == {"stalled"}
    assert kinds(facts, NOW, LIMITS) == set()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (SimpleNamespace(YUNDAN_EXCEPTION_HOURS={"stall": 24}), "未知规则：stall"),
        (SimpleNamespace(YUNDAN_EXCEPTION_HOURS={"stalled": 0}), "stalled 必须是正数"),
        (SimpleNamespace(YUNDAN_REMOTE_PROVINCES=["火星"]), "未知的省份"),
    ],
)
def test_bad_threshold_settings_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        Thresholds.from_settings(value)


# --- the sandbox's six scenarios ----------------------------------------------------------------

ORIGIN = Address("北京市", "北京市", "大兴区")
DESTINATION = Address("浙江省", "杭州市", "西湖区", "文三路90号")
SHIPPED = at("2026-11-02 15:30")  # a Monday; no holiday until New Year
THE_END = SHIPPED + timedelta(days=40)


@pytest.fixture
def sandbox(settings):
    """facts(scenario, now, serial): a sandbox parcel's trace as the carrier shows it at ``now``."""
    settings.YUNDAN_SANDBOX_SCENARIO = None

    def facts(scenario, now, serial=1):
        settings.YUNDAN_NOW = now
        number = sandbox_waybill(serial, scenario)
        query = TraceQuery(number, ORIGIN, DESTINATION, shipped_at=SHIPPED)
        trace = SandboxCarrier().fetch_traces([query])[number].events
        events = tuple(EventFact(e.time, e.status, e.location, e.raw_text) for e in trace)
        status = events[-1].status if events else S.PENDING
        return PackageFacts(SHIPPED, status, events, DESTINATION.province, DESTINATION.city)

    return facts


def test_sandbox_delivered_raises_nothing_on_the_way_or_at_the_end(sandbox):
    final = sandbox("delivered", THE_END)
    assert final.status == S.DELIVERED
    for event in final.events:
        assert kinds(sandbox("delivered", event.time), event.time) == set()
    assert kinds(final, THE_END) == set()


def test_sandbox_stalled_becomes_stalled_then_suspected_lost(sandbox):
    last = sandbox("stalled", THE_END).events[-1].time
    stalled_at, lost_at = working_deadline(last, 48), working_deadline(last, 168)
    assert kinds(sandbox("stalled", stalled_at - MINUTE), stalled_at - MINUTE) == set()
    assert kinds(sandbox("stalled", stalled_at + MINUTE), stalled_at + MINUTE) == {"stalled"}
    assert kinds(sandbox("stalled", lost_at + MINUTE), lost_at + MINUTE) == {"stalled", "suspected_lost"}


def test_sandbox_failed_then_delivered_keeps_the_failure(sandbox):
    assert kinds(sandbox("failed_then_delivered", THE_END), THE_END) == {"delivery_failed"}


def test_sandbox_rejected_returned(sandbox):
    final = sandbox("rejected_returned", THE_END)
    assert final.status == S.RETURNED
    assert kinds(final, THE_END) == {"rejected", "returned"}


def test_sandbox_lost_is_stalled_before_the_carrier_says_lost(sandbox):
    final = sandbox("lost", THE_END)
    assert final.status == S.LOST
    assert kinds(final, THE_END) == {"lost"}
    before = final.events[-1].time - MINUTE
    assert "stalled" in kinds(sandbox("lost", before), before)


def test_sandbox_locker_is_uncollected_only_until_picked_up(sandbox):
    def waits(serial):
        events = sandbox("locker_pickup", THE_END, serial).events
        placed = next(e.time for e in events if e.status == S.AWAITING_PICKUP)
        return serial, placed, working_deadline(placed, 48), events[-1].time

    # A parcel left in the locker long enough (the sandbox's late quarter).
    serial, placed, due, collected = next(w for w in map(waits, range(1, 200)) if w[2] + MINUTE < w[3])
    assert kinds(sandbox("locker_pickup", placed + MINUTE, serial), placed + MINUTE) == set()
    assert kinds(sandbox("locker_pickup", due + MINUTE, serial), due + MINUTE) == {"uncollected"}
    assert kinds(sandbox("locker_pickup", collected, serial), collected) == set()


# --- properties over random event sequences -----------------------------------------------------

STATUSES = [status.value for status in S]
PROVINCES = ["浙江省", "新疆维吾尔自治区", "西藏", "北京市", ""]

event_lists = st.lists(
    st.tuples(st.floats(0, 400), st.sampled_from(STATUSES), st.booleans(),
              st.sampled_from(["", "杭州西湖营业部", "北京亚一分拣中心", "丰巢快递柜（锦绣华庭）"])),
    max_size=8,
)


@st.composite
def random_packages(draw):
    shipped = draw(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 9, 30)))
    shipped = shipped.replace(tzinfo=SH)
    raw = sorted(draw(event_lists))
    events = tuple(
        EventFact(shipped + timedelta(hours=offset), status, location, "", late)
        for offset, status, late, location in raw
    )
    last = events[-1].status if events else S.PENDING
    status = draw(st.sampled_from([last, *STATUSES]))
    return PackageFacts(shipped, status, events, draw(st.sampled_from(PROVINCES)), "杭州市")


@hsettings(deadline=None, max_examples=300)
@given(random_packages(), st.floats(-24, 1000), st.floats(0, 1000))
def test_time_based_kinds_are_monotonic_and_never_for_terminal_packages(facts, first, later):
    now = facts.shipped_at + timedelta(hours=first)
    earlier_found = detect(facts, now, LIMITS)
    later_found = detect(facts, now + timedelta(hours=later), LIMITS)
    earlier_timed = set(earlier_found) & TIME_BASED
    later_timed = set(later_found) & TIME_BASED
    if is_terminal(facts.status):
        assert not earlier_timed and not later_timed
    assert earlier_timed <= later_timed
    # What the carrier said does not depend on the clock.
    assert set(earlier_found) - TIME_BASED == set(later_found) - TIME_BASED
    assert set(later_found) <= {kind.value for kind in ExceptionKind}
