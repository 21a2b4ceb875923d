"""Exception detection: which kinds of trouble a package is in right now (issue 6, protocols §6).

Plain functions over plain data so the sweep can run them for 100,000 packages without touching
the database per rule, and tests can state every rule with a frozen clock. ``detect`` answers
"what should be open now"; the sweep opens what is new and, for the time-based kinds
(``kinds.TIME_BASED``), closes what is no longer reported.

Every time span is working time (``calendar.working_hours``): weekends and Chinese public
holidays do not count toward a threshold.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from datetime import datetime

from yundan.exceptions.calendar import SHANGHAI, working_hours
from yundan.exceptions.kinds import ExceptionKind as K
from yundan.regions import MUNICIPALITIES, PROVINCES, REMOTE_PROVINCES, province_by_name
from yundan.tracking.statuses import TrackingStatus as S
from yundan.tracking.statuses import chinese_status_label, is_terminal


@dataclass(frozen=True)
class EventFact:
    """One tracking event as the rules see it (``after_terminal``: it came after the package
    had already been delivered, returned or lost)."""

    time: datetime
    status: str
    location: str = ""
    text: str = ""
    after_terminal: bool = False


@dataclass(frozen=True)
class PackageFacts:
    """What the rules need of one package: its summary status and its events, oldest first."""

    shipped_at: datetime
    status: str
    events: tuple[EventFact, ...]
    destination_province: str
    destination_city: str


def _full_province_name(name: str) -> str:
    province = province_by_name(name)
    if province is None:
        raise ValueError(f"未知的省份：{name!r}")
    return province.name


@dataclass(frozen=True)
class Thresholds:
    """Working hours after which each time-based rule fires; field names are the setting keys.

    ``remote_provinces`` get ``stalled_remote`` instead of ``stalled``; short names ("新疆")
    are accepted and stored as full names.
    """

    pickup_timeout: float = 24
    no_trace: float = 24
    stalled: float = 48
    stalled_remote: float = 72
    delivery_timeout: float = 36
    uncollected: float = 48
    suspected_lost: float = 7 * 24
    remote_provinces: frozenset[str] = REMOTE_PROVINCES

    def __post_init__(self):
        full = frozenset(_full_province_name(name) for name in self.remote_provinces)
        object.__setattr__(self, "remote_provinces", full)

    @classmethod
    def hour_names(cls) -> tuple[str, ...]:
        """The rule names ``YUNDAN_EXCEPTION_HOURS`` may set (pickup_timeout, no_trace, …)."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.name != "remote_provinces")

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        """Defaults overridden by ``YUNDAN_EXCEPTION_HOURS`` ({rule: hours}) and
        ``YUNDAN_REMOTE_PROVINCES`` (names; empty keeps the default six).

        A misspelt rule name or a non-positive value is refused rather than silently ignored:
        a typo would otherwise leave a threshold at its default without anyone noticing.
        """
        hours = dict(getattr(settings, "YUNDAN_EXCEPTION_HOURS", None) or {})
        unknown = sorted(set(hours) - set(cls.hour_names()))
        if unknown:
            raise ValueError(
                f"YUNDAN_EXCEPTION_HOURS 含未知规则：{'、'.join(unknown)}；可选：{'、'.join(cls.hour_names())}"
            )
        values = {name: float(value) for name, value in hours.items()}
        for name, value in values.items():
            if not value > 0:
                raise ValueError(f"YUNDAN_EXCEPTION_HOURS 中 {name} 必须是正数小时，得到 {value}")
        remote = getattr(settings, "YUNDAN_REMOTE_PROVINCES", None)
        if remote:
            values["remote_provinces"] = frozenset(remote)
        return cls(**values)

    def is_remote(self, province: str) -> bool:
        """Whether a destination province (full or short name) gets the longer stall threshold."""
        known = province_by_name(province)
        return (known.name if known else province) in self.remote_provinces


# --- time-based rules ---------------------------------------------------------------------------

# Statuses with a clock of their own: waiting for pickup, on the delivery round, in a locker.
_OWN_CLOCK = frozenset({S.PENDING, S.OUT_FOR_DELIVERY, S.AWAITING_PICKUP})


def _h(hours: float) -> str:
    """Hours for a reason: whole hours, rounded down so "30 小时" never overstates the wait."""
    return f"{math.floor(hours)}"


def _limit(hours: float) -> str:
    return f"{hours:g}"


def _run_start(events: tuple[EventFact, ...], status: str) -> datetime | None:
    """When the trailing run of ``status`` events began (a 2nd delivery round restarts it)."""
    start = None
    for event in reversed(events):
        if event.status != status:
            break
        start = event.time
    return start


def _time_based(facts: PackageFacts, now: datetime, limits: Thresholds) -> dict[str, str]:
    found: dict[str, str] = {}
    events = facts.events
    since_shipped = working_hours(facts.shipped_at, now)
    if not events:
        if since_shipped >= limits.no_trace:
            found[K.NO_TRACE] = (
                f"发货后 {_h(since_shipped)} 小时（工作时间）快递公司仍无任何轨迹（阈值 {_limit(limits.no_trace)} 小时）"
            )
    elif all(event.status == S.PENDING for event in events) and since_shipped >= limits.pickup_timeout:
        found[K.PICKUP_TIMEOUT] = (
            f"发货后 {_h(since_shipped)} 小时（工作时间）仍无揽收记录（阈值 {_limit(limits.pickup_timeout)} 小时）"
        )

    last = events[-1].time if events else facts.shipped_at
    quiet = working_hours(last, now)
    remote = limits.is_remote(facts.destination_province)
    stall_limit = limits.stalled_remote if remote else limits.stalled
    if events and facts.status not in _OWN_CLOCK and quiet >= stall_limit:
        where = f"（{events[-1].location}）" if events[-1].location else ""
        found[K.STALLED] = (
            f"最后一条轨迹{where}已 {_h(quiet)} 小时（工作时间）没有更新"
            f"（阈值 {_limit(stall_limit)} 小时{'，偏远地区' if remote else ''}）"
        )
    if quiet >= limits.suspected_lost:
        found[K.SUSPECTED_LOST] = (
            f"已 {_h(quiet)} 小时（工作时间）没有任何物流更新，疑似丢件（阈值 {_limit(limits.suspected_lost)} 小时）"
        )

    if facts.status == S.OUT_FOR_DELIVERY:
        out = working_hours(_run_start(events, S.OUT_FOR_DELIVERY) or last, now)
        if out >= limits.delivery_timeout:
            found[K.DELIVERY_TIMEOUT] = (
                f"派送中已 {_h(out)} 小时（工作时间）仍未签收（阈值 {_limit(limits.delivery_timeout)} 小时）"
            )
    if facts.status == S.AWAITING_PICKUP:
        waiting = working_hours(_run_start(events, S.AWAITING_PICKUP) or last, now)
        if waiting >= limits.uncollected:
            found[K.UNCOLLECTED] = (
                f"放入快递柜/驿站已 {_h(waiting)} 小时（工作时间）仍未取件（阈值 {_limit(limits.uncollected)} 小时）"
            )
    return found


# --- what the carrier said ----------------------------------------------------------------------

_REPORTED: tuple[tuple[str, frozenset[str], str], ...] = (
    (K.DELIVERY_FAILED, frozenset({S.DELIVERY_FAILED}), "派送失败"),
    (K.REJECTED, frozenset({S.REJECTED}), "收件人拒收"),
    (K.RETURNED, frozenset({S.RETURNING, S.RETURNED}), "快件退回"),
    (K.LOST, frozenset({S.LOST}), "快递公司确认丢失"),
)
_TEXT_CHARS = 120  # only a runaway text is cut: a courier's phone number stays whole


def _event_line(event: EventFact) -> str:
    """"11-26 09:30 杭州西湖营业部：…" for a reason, the carrier's own words cut short."""
    text = event.text or chinese_status_label(event.status)
    if len(text) > _TEXT_CHARS:
        text = text[:_TEXT_CHARS] + "…"
    place = f" {event.location}" if event.location else ""
    return f"{event.time.astimezone(SHANGHAI):%m-%d %H:%M}{place}：{text}"


def _reported(facts: PackageFacts) -> dict[str, str]:
    """Kinds the carrier states outright; they stay detected after a recovery (the merchant
    still has a failed delivery or a return to work)."""
    found: dict[str, str] = {}
    for kind, statuses, label in _REPORTED:
        latest = next((e for e in reversed(facts.events) if e.status in statuses), None)
        if latest is not None:
            found[kind] = f"{label}（{_event_line(latest)}）"
        elif facts.status in statuses:
            found[kind] = f"{label}（快递公司当前状态：{chinese_status_label(facts.status)}）"
    return found


# --- sign anomaly -------------------------------------------------------------------------------

_CITY_SUFFIXES = ("市", "地区", "盟", "州")
# "延边朝鲜族自治州" is written "延边" on scans: the name before its first nationality.
_PREFECTURE_SHORT = re.compile(r"^(.{2,}?)(?:朝鲜|土家|哈萨克|蒙古|苗|藏|羌|彝|侗|傣|白|回)")


def _city_aliases(name: str) -> frozenset[str]:
    """A city's name as scans write it: "杭州市" and "杭州", "锡林郭勒盟" and "锡林郭勒",
    "延边朝鲜族自治州" and "延边"."""
    name = name.strip()
    aliases = {name} if name else set()
    if "自治州" in name:
        short = _PREFECTURE_SHORT.match(name)
        aliases.update(short.groups() if short else ())
    else:
        aliases.update(name[: -len(suffix)] for suffix in _CITY_SUFFIXES
                       if name.endswith(suffix) and len(name) - len(suffix) >= 2)
    return frozenset(aliases)


_CITIES: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (city.name, _city_aliases(city.name)) for province in PROVINCES for city in province.cities
)


def _cities_named(place: str) -> list[str]:
    return [name for name, aliases in _CITIES if any(alias in place for alias in aliases)]


def _destination_aliases(facts: PackageFacts) -> frozenset[str]:
    """Names that mean "the destination city"; a municipality's own name counts whatever its
    city field says (JD writes 北京市 / 朝阳区 / 市辖区 there)."""
    aliases = _city_aliases(facts.destination_city)
    province = province_by_name(facts.destination_province)
    if province is not None and province.name in MUNICIPALITIES:
        aliases |= _city_aliases(province.name)
    return aliases


def _wrong_city(event: EventFact, destination: frozenset[str]) -> str | None:
    """The city a delivery scan names when it is not the destination: its location first, then
    its text; a place that names no known city (a locker "丰巢快递柜（锦绣华庭）") is no evidence."""
    for place in (event.location, event.text):
        if any(alias in place for alias in destination):
            return None
        named = _cities_named(place)
        if named:
            return "、".join(named)
    return None


def _sign_anomaly(facts: PackageFacts) -> str | None:
    late = next((e for e in facts.events if e.after_terminal), None)
    if late is not None:
        return f"签收/退回后仍有新轨迹（{_event_line(late)}）"
    destination = _destination_aliases(facts)
    if not destination:
        return None
    for event in (e for e in facts.events if e.status == S.DELIVERED):
        city = _wrong_city(event, destination)
        if city:
            expected = facts.destination_city or facts.destination_province
            return f"签收地点在{city}，不是收货城市{expected}（{_event_line(event)}）"
    return None


# --- the entry point ----------------------------------------------------------------------------


def detect(facts: PackageFacts, now: datetime, thresholds: Thresholds) -> dict[str, str]:
    """The exception kinds that should be open for this package at ``now`` → a short reason.

    Keys are plain ``ExceptionKind`` values. Terminal packages (delivered, returned, lost) get
    no time-based kinds: nothing is late any more, and what went wrong on the way is reported
    by the carrier-stated kinds.
    """
    found = _reported(facts)
    anomaly = _sign_anomaly(facts)
    if anomaly:
        found[K.SIGN_ANOMALY] = anomaly
    if not is_terminal(facts.status):
        found.update(_time_based(facts, now, thresholds))
    return {str(kind): reason for kind, reason in found.items()}
