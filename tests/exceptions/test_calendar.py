"""Working time by the Chinese calendar: holidays, 调休 Saturdays, weekends, the 2027 fallback."""

import logging
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from yundan.exceptions import calendar
from yundan.exceptions.calendar import is_working_day, working_deadline, working_hours

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Beijing-time instant from "2026-09-30 20:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 27), True),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # last day of Golden Week
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # 调休: make-up Saturday after Golden Week
        (date(2026, 2, 14), True),  # 调休 Saturday before Spring Festival
        (date(2026, 2, 17), False),  # Spring Festival, a Tuesday
        (date(2026, 1, 4), True),  # 调休 Sunday after New Year
    ],
)
def test_working_days_follow_the_chinese_calendar(day, working):
    assert is_working_day(day) is working


def test_a_plain_working_day_counts_in_full():
    assert working_hours(at("2026-11-26 10:00"), at("2026-11-27 10:00")) == 24


def test_a_weekend_does_not_count():
    assert working_hours(at("2026-11-27 10:00"), at("2026-11-30 10:00")) == 14 + 10
    assert working_hours(at("2026-11-28 01:00"), at("2026-11-29 23:00")) == 0


def test_golden_week_does_not_count():
    # Shipped the evening before National Day: 4 h on 09-30, nothing until 10-08.
    assert working_hours(at("2026-09-30 20:00"), at("2026-10-07 23:59")) == 4
    assert working_hours(at("2026-09-30 20:00"), at("2026-10-08 20:00")) == 24


def test_a_make_up_saturday_counts_and_its_sunday_does_not():
    assert working_hours(at("2026-10-09 12:00"), at("2026-10-12 00:00")) == 12 + 24


def test_spans_across_a_new_year():
    # 2025-12-31 afternoon, New Year 01-01..01-03 off, Sunday 01-04 is a make-up workday.
    assert working_hours(at("2025-12-31 12:00"), at("2026-01-05 00:00")) == 12 + 24


def test_end_not_after_start_is_zero():
    assert working_hours(at("2026-11-27 10:00"), at("2026-11-27 10:00")) == 0
    assert working_hours(at("2026-11-27 10:00"), at("2026-11-26 10:00")) == 0


def test_days_are_calendar_days_in_the_zone():
    # Friday 20:00 UTC is already Saturday 04:00 in Beijing.
    start = datetime(2026, 11, 27, 20, tzinfo=timezone.utc)
    end = datetime(2026, 11, 28, 0, tzinfo=timezone.utc)
    assert working_hours(start, end) == 0
    assert working_hours(start, end, zone=ZoneInfo("UTC")) == 4


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        working_hours(datetime(2026, 11, 27, 10), at("2026-11-28 10:00"))


def test_a_whole_year_is_24_hours_per_working_day():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    expected = 24 * sum(chinese_calendar.is_workday(day) for day in days)
    assert working_hours(at("2026-01-01 00:00"), at("2027-01-01 00:00")) == expected


def reference_hours(start: datetime, end: datetime) -> float:
    """Walks every Beijing calendar day and asks chinese_calendar directly."""
    total, day = 0.0, start.astimezone(SH).date()
    while day <= end.astimezone(SH).date():
        lo = max(start, datetime.combine(day, datetime.min.time(), SH))
        hi = min(end, datetime.combine(day + timedelta(days=1), datetime.min.time(), SH))
        if hi > lo and chinese_calendar.is_workday(day):
            total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=SH)
)


@hsettings(deadline=None)
@given(instants, instants)
def test_working_hours_matches_a_day_by_day_walk(start, end):
    assert working_hours(start, end) == pytest.approx(reference_hours(start, end), abs=1e-6)


@hsettings(deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 9, 30)).map(
        lambda moment: moment.replace(tzinfo=SH)
    ),
    st.floats(min_value=0.001, max_value=400),
)
def test_deadline_is_the_first_instant_with_that_many_hours(start, hours):
    due = working_deadline(start, hours)
    assert working_hours(start, due) == pytest.approx(hours, abs=1e-6)
    assert working_hours(start, due - timedelta(seconds=1)) < hours


def test_deadline_across_golden_week():
    shipped = at("2026-09-30 20:00")
    assert working_deadline(shipped, 24) == at("2026-10-08 20:00")
    # 4 h are reached at the midnight that starts the holiday, not at its end.
    assert working_deadline(shipped, 4) == at("2026-10-01 00:00")
    assert working_deadline(shipped, 0) == shipped


@pytest.fixture
def fresh_calendar():
    """Forget cached years so the once-per-year warning can be observed."""
    calendar._working_days.cache_clear()
    calendar._year_seconds.cache_clear()
    yield
    calendar._working_days.cache_clear()
    calendar._year_seconds.cache_clear()


def test_a_year_without_data_falls_back_to_weekends_and_warns_once(fresh_calendar, caplog):
    caplog.set_level(logging.WARNING, logger="yundan.exceptions.calendar")
    assert is_working_day(date(2027, 1, 1))  # a Friday: the real New Year holiday is unknown
    assert not is_working_day(date(2027, 1, 2))
    assert working_hours(at("2027-02-05 12:00"), at("2027-02-08 12:00")) == 12 + 12
    assert working_deadline(at("2027-02-05 12:00"), 24) == at("2027-02-08 12:00")
    assert [r.getMessage() for r in caplog.records] == [
        "chinese-calendar has no data for 2027; counting only weekends as non-working days"
    ]

    caplog.clear()
    assert working_hours(at("2026-12-31 00:00"), at("2028-01-01 00:00")) > 0
    assert [r.getMessage() for r in caplog.records] == [
        "chinese-calendar has no data for 2028; counting only weekends as non-working days"
    ]
