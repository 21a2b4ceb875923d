"""Working time by the Chinese calendar: the clock the exception thresholds run on.

Couriers barely move parcels over Spring Festival or Golden Week, and merchants do not expect
them to; a parcel shipped the evening before a seven-day holiday is not "24 h without pickup"
on the second day. So thresholds count only hours that fall on working days: weekends and
statutory holidays are skipped, 调休 make-up Saturdays count.

The sweep asks these questions for every open package, so answers are cached per year and a
span is measured with prefix sums over days, not by walking it hour by hour or day by day.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")

logger = logging.getLogger(__name__)


@lru_cache(maxsize=None)
def _working_days(year: int) -> tuple[bool, ...]:
    """Whether each day of ``year`` is a working day (index = day of year - 1).

    Built once per year, so a year the package does not cover is warned about once, not once
    per parcel.
    """
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
    try:
        return tuple(chinese_calendar.is_workday(day) for day in days)
    except NotImplementedError:
        logger.warning(
            "chinese-calendar has no data for %d; counting only weekends as non-working days", year
        )
        return tuple(day.weekday() < 5 for day in days)


def is_working_day(day: date) -> bool:
    """True on a working day in mainland China (调休 Saturdays included, holidays excluded)."""
    return _working_days(day.year)[day.timetuple().tm_yday - 1]


def _midnight(day: date, zone: ZoneInfo) -> float:
    return datetime.combine(day, time(), tzinfo=zone).timestamp()


@lru_cache(maxsize=None)
def _year_seconds(year: int, zone: ZoneInfo) -> tuple[float, ...]:
    """Working seconds from the start of ``year`` in ``zone`` to the start of each of its days.

    One more entry than the year has days: the last is the year's total. Seconds, not 24 h a
    day, so a zone with daylight saving still measures real elapsed time.
    """
    first = date(year, 1, 1)
    flags = _working_days(year)
    bounds = [_midnight(first + timedelta(days=i), zone) for i in range(len(flags) + 1)]
    lengths = [end - start if working else 0.0
               for working, start, end in zip(flags, bounds, bounds[1:], strict=False)]
    return tuple(accumulate(lengths, initial=0.0))


def _into_year(moment: datetime, zone: ZoneInfo) -> tuple[int, float]:
    """(local year, working seconds from that year's start to ``moment``)."""
    if moment.tzinfo is None:
        raise ValueError(f"working time needs an aware datetime, got {moment!r}")
    local = moment.astimezone(zone)
    day = local.date()
    index = day.timetuple().tm_yday - 1
    seconds = _year_seconds(day.year, zone)[index]
    if is_working_day(day):
        seconds += moment.timestamp() - _midnight(day, zone)
    return day.year, seconds


def working_hours(start: datetime, end: datetime, zone: ZoneInfo = SHANGHAI) -> float:
    """Hours between two aware instants that fall on working days (calendar days in ``zone``).

    0 when ``end`` is not after ``start``.
    """
    start_year, start_seconds = _into_year(start, zone)
    end_year, end_seconds = _into_year(end, zone)
    if end <= start:
        return 0.0
    between = sum(_year_seconds(year, zone)[-1] for year in range(start_year, end_year))
    return (between + end_seconds - start_seconds) / 3600


def working_deadline(start: datetime, hours: float, zone: ZoneInfo = SHANGHAI) -> datetime:
    """The earliest instant ``t`` with ``working_hours(start, t, zone) == hours`` (a "due at").

    Returned in ``zone``. A deadline never lands inside a holiday: it is reached on a working
    day, or at the midnight that ends one.
    """
    year, seconds = _into_year(start, zone)
    if hours <= 0:
        return start.astimezone(zone)
    target = seconds + hours * 3600
    while target > _year_seconds(year, zone)[-1]:
        target -= _year_seconds(year, zone)[-1]
        year += 1
    cumulative = _year_seconds(year, zone)
    # The last day whose start is at most ``target`` working seconds in, stepping back over
    # non-working days that the target merely touches at their midnight.
    index = bisect_right(cumulative, target) - 1
    index = min(index, len(cumulative) - 2)
    while index > 0 and cumulative[index] == target and cumulative[index - 1] == target:
        index -= 1
    day = date(year, 1, 1) + timedelta(days=index)
    instant = _midnight(day, zone) + (target - cumulative[index])
    return datetime.fromtimestamp(instant, zone)
