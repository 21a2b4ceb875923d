"""The 看板's numbers on small hand-made data: exact medians and P90s, the shop's day boundaries,
the digest's age bands, the 48-hour cohort, empty data, the snapshot and a fixed number of queries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from yundan.carriers.base import TraceEvent
from yundan.console.dashboard_panels import panels
from yundan.console.dashboard_snapshot import current_snapshot, is_stale, refresh_snapshot
from yundan.console.dashboard_stats import (
    band_of, dashboard_numbers, delivered_within, delivery_times, duration_summary, exceptions_per_day,
    open_exceptions, order_counts, quantile, tracking_counts,
)
from yundan.console.models import DashboardSnapshot
from yundan.console.tasks import refresh_dashboard
from yundan.exceptions.kinds import ExceptionKind as K
from yundan.exceptions.kinds import ExceptionState as S
from yundan.exceptions.models import ParcelException
from yundan.exceptions.queue import AGE_BUCKETS, digest
from yundan.shipping.models import Package
from yundan.tracking.ingest import ingest
from yundan.tracking.statuses import TrackingStatus as T

from factories import NOW

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


@pytest.fixture
def parcel(make_order, frozen_now):
    """``parcel(province, shipped_hours_ago, delivered_after_hours=None, status=None)`` → a package of a new
    order; delivered ones carry the summary the ingest leaves (status delivered, last event = 签收)."""
    made = []

    def make(province="浙江省", shipped_ago=100, delivered_after=None, status=None):
        order = make_order(f"3200{len(made):08d}", status="shipped", receiver_province=province)
        shipped_at = NOW - timedelta(hours=shipped_ago) if shipped_ago is not None else None
        delivered = delivered_after is not None
        package = Package.objects.create(
            order=order, carrier="sandbox", waybill_no=f"JDX9{len(made):011d}", shipped_at=shipped_at,
            status=status or (T.DELIVERED if delivered else T.IN_TRANSIT),
            last_event_at=shipped_at + timedelta(hours=delivered_after) if delivered else shipped_at)
        made.append(package)
        return package

    return make


def exception(package, opened_at, kind=K.STALLED, state=S.OPEN, closed_at=None):
    return ParcelException.objects.create(package=package, kind=kind, state=state, reason="测试", opened_at=opened_at,
                                          closed_at=closed_at)


# --- plain rules --------------------------------------------------------------------------------


def test_quantiles_interpolate_like_excel_percentile_inc():
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert quantile([10, 20, 30, 40, 100], 0.9) == pytest.approx(76.0)  # 40 + 0.6 × 60
    assert quantile([7], 0.5) == quantile([7], 0.9) == 7
    assert quantile([], 0.5) is None


def test_delivery_bands_exclude_their_upper_bound_and_the_last_is_open():
    assert [band_of(h) for h in (0, 23.99, 24, 47.9, 48, 167.9, 168, 1000)] == [0, 0, 1, 1, 2, 5, 6, 6]


def test_a_duration_summary_of_nothing_has_no_median():
    assert duration_summary([]) == {"count": 0, "median": None, "p90": None, "bands": [0] * 7}


# --- counts ---------------------------------------------------------------------------------------


def test_order_and_tracking_counts_list_every_state_and_count_only_shipped_packages(make_order, parcel):
    make_order("310000000001", status="canceled")
    parcel(delivered_after=30)
    parcel(status=T.OUT_FOR_DELIVERY)
    parcel(shipped_ago=None, status=T.PENDING)  # printed, never shipped: not in tracking
    assert order_counts() == {"awaiting_shipment": 0, "shipped": 3, "finished": 0, "canceled": 1, "locked": 0}
    counts = tracking_counts()
    assert counts[T.DELIVERED] == 1 and counts[T.OUT_FOR_DELIVERY] == 1 and counts[T.PENDING] == 0
    assert sum(counts.values()) == 2 and list(counts) == T.values


# --- exceptions per day ---------------------------------------------------------------------------


def test_exceptions_are_counted_on_the_shop_day_they_happened_in_shanghai_time(parcel):
    package = parcel()
    # 2026-11-26 15:59:59 UTC is 23:59:59 on 11-26 in Shanghai; one second later is 00:00 on 11-27.
    exception(package, datetime(2026, 11, 26, 15, 59, 59, tzinfo=UTC), kind=K.STALLED)
    exception(package, datetime(2026, 11, 26, 16, 0, 0, tzinfo=UTC), kind=K.LOST,
              state=S.RESOLVED, closed_at=datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
    # The window starts at 00:00 on 10-29 in Shanghai (30 days with today): 10-28 16:00 UTC.
    exception(package, datetime(2026, 10, 28, 15, 59, 59, tzinfo=UTC), kind=K.REJECTED,
              state=S.CLOSED, closed_at=datetime(2026, 10, 28, 16, 0, tzinfo=UTC))
    exception(package, datetime(2026, 10, 28, 16, 0, 0, tzinfo=UTC), kind=K.RETURNED)
    trend = exceptions_per_day(NOW)
    assert trend["days"][0] == "2026-10-29" and trend["days"][-1] == "2026-11-27" and len(trend["days"]) == 30
    opened = dict(zip(trend["days"], trend["opened"]))
    closed = dict(zip(trend["days"], trend["closed"]))
    assert opened["2026-11-26"] == 1 and opened["2026-11-27"] == 1 and opened["2026-10-29"] == 1
    assert sum(trend["opened"]) == 3  # the one opened at 23:59:59 on 10-28 is before the window
    assert closed["2026-10-29"] == 1 and closed["2026-11-27"] == 1 and sum(trend["closed"]) == 2


def test_no_exceptions_give_thirty_days_of_zeros():
    trend = exceptions_per_day(NOW)
    assert trend["opened"] == trend["closed"] == [0] * 30


# --- open exceptions by kind and age ----------------------------------------------------------------


def test_open_exceptions_fall_in_the_digests_age_bands(parcel, frozen_now):
    for hours, kind in ((1, K.STALLED), (24, K.STALLED), (71.9, K.LOST), (72, K.LOST), (200, K.REJECTED)):
        exception(parcel(), NOW - timedelta(hours=hours), kind=kind, state=S.IN_PROGRESS if kind == K.LOST else S.OPEN)
    exception(parcel(), NOW - timedelta(hours=2), kind=K.NO_TRACE, state=S.RESOLVED, closed_at=NOW)
    by_kind = open_exceptions(NOW)
    assert by_kind[K.STALLED] == [1, 1, 0, 0]  # 24 h is no longer "24小时内"
    assert by_kind[K.LOST] == [0, 1, 1, 0]  # 71.9 h is 1–3 days, 72 h is 3–7 days
    assert by_kind[K.REJECTED] == [0, 0, 0, 1]
    assert by_kind[K.NO_TRACE] == [0, 0, 0, 0] and list(by_kind) == K.values  # closed ones are not open
    per_band = [sum(counts[i] for counts in by_kind.values()) for i in range(len(AGE_BUCKETS))]
    assert per_band == [digest().by_age[label] for _limit, label in AGE_BUCKETS]


# --- delivery times -------------------------------------------------------------------------------


def test_delivery_times_have_exact_medians_and_p90_overall_and_by_province(parcel):
    for hours in (10, 20, 30, 40, 100):
        parcel("浙江省", shipped_ago=200, delivered_after=hours)
    parcel("北京市", shipped_ago=60, delivered_after=50)
    parcel("北京市", shipped_ago=800, delivered_after=50)  # delivered 31 days ago: outside the 30 days
    parcel("北京市", shipped_ago=60, delivered_after=-2)  # confirmed as shipped after delivery: no duration
    parcel("北京市", shipped_ago=60)  # still on its way
    result = delivery_times(NOW)
    assert result["overall"] == {"count": 6, "median": 35.0, "p90": 75.0, "bands": [2, 2, 1, 0, 1, 0, 0]}
    assert result["provinces"] == [
        {"province": "浙江省", "count": 5, "median": 30.0, "p90": 76.0, "bands": [2, 2, 0, 0, 1, 0, 0]},
        {"province": "北京市", "count": 1, "median": 50.0, "p90": 50.0, "bands": [0, 0, 1, 0, 0, 0, 0]},
    ]
    assert result["since"] == (NOW - timedelta(days=30)).isoformat()


def test_the_delivered_time_is_the_signing_event_even_when_scans_come_after_it(parcel):
    package = parcel("上海市", shipped_ago=72)
    shipped = package.shipped_at
    ingest([(package.pk, [
        TraceEvent(shipped + timedelta(hours=2), T.PICKED_UP, "揽收", "已揽收", "北京"),
        TraceEvent(shipped + timedelta(hours=30, minutes=30), T.DELIVERED, "签收", "已签收", "上海"),
        TraceEvent(shipped + timedelta(hours=40), T.IN_TRANSIT, "到达", "到达【上海分拣中心】", "上海"),
    ])], source="test")
    assert delivery_times(NOW)["overall"]["median"] == 30.5


def test_no_deliveries_give_empty_summaries():
    assert delivery_times(NOW)["overall"]["count"] == 0 and delivery_times(NOW)["provinces"] == []


# --- delivered within 48 hours --------------------------------------------------------------------


def test_the_48_hour_rate_counts_every_package_shipped_in_the_window_that_ended_48_hours_ago(parcel):
    parcel("广东省", shipped_ago=100, delivered_after=48)  # exactly 48 h: within
    parcel("广东省", shipped_ago=100, delivered_after=48.01)  # late
    parcel("广东省", shipped_ago=100, status=T.RETURNED)  # returned: not within
    parcel("广东省", shipped_ago=49)  # on its way for 49 h: counts, not within
    parcel("广东省", shipped_ago=48, delivered_after=10)  # shipped 48 h ago: window ended, not counted
    parcel("广东省", shipped_ago=30 * 24 + 48, delivered_after=20)  # the window's first instant: counted
    parcel("广东省", shipped_ago=30 * 24 + 48.01, delivered_after=20)  # just before it: not counted
    parcel("湖南省", shipped_ago=60, delivered_after=20)
    result = delivered_within(NOW)
    assert result["provinces"] == [
        {"province": "广东省", "shipped": 5, "within": 2, "share": 40.0},
        {"province": "湖南省", "shipped": 1, "within": 1, "share": 100.0},
    ]
    assert result["overall"] == {"province": "", "shipped": 6, "within": 3, "share": 50.0}
    assert result["shipped_before"] == (NOW - timedelta(hours=48)).isoformat()


def test_no_shipments_give_no_rate():
    assert delivered_within(NOW)["overall"]["share"] is None


# --- everything together: panels, snapshot, queries -------------------------------------------------


def test_the_numbers_cost_a_fixed_number_of_queries_however_many_rows(parcel, django_assert_num_queries):
    for n in range(30):
        package = parcel(["浙江省", "北京市", "四川省"][n % 3], shipped_ago=60 + n, delivered_after=20 + n)
        exception(package, NOW - timedelta(hours=n), kind=K.values[n % len(K.values)])
    with django_assert_num_queries(7):
        dashboard_numbers(NOW)


def test_panels_of_empty_numbers_show_dashes_not_errors(frozen_now):
    shown = panels(dashboard_numbers(NOW))
    assert len(shown) == 7 and len({p.chart_id for p in shown}) == 7
    delivery = next(p for p in shown if p.key == "delivery-province")
    assert delivery.rows == [] and delivery.total[:4] == ["全部", "0", "—", "—"]
    within = next(p for p in shown if p.key == "within-48h")
    assert within.total == ["全部", "0", "0", "—"]


@pytest.mark.django_db(transaction=True)  # the task closes stale connections, as in the worker
def test_the_snapshot_is_computed_once_kept_alone_and_refreshed_by_the_task(parcel):
    parcel(delivered_after=30)
    first = current_snapshot()  # none yet: computed on the spot
    assert first.numbers["tracking"][T.DELIVERED] == 1 and current_snapshot().pk == first.pk
    parcel(delivered_after=40)
    assert current_snapshot().numbers["tracking"][T.DELIVERED] == 1  # the page reads the snapshot
    refresh_dashboard.call_local()
    assert DashboardSnapshot.objects.count() == 1
    assert current_snapshot().numbers["tracking"][T.DELIVERED] == 2


def test_the_worker_refreshes_the_dashboard_every_ten_minutes_by_default():
    assert refresh_dashboard.task_class().validate_datetime(datetime(2026, 11, 27, 10, 20))
    assert not refresh_dashboard.task_class().validate_datetime(datetime(2026, 11, 27, 10, 25))


def test_a_snapshot_older_than_three_refreshes_is_stale(settings, frozen_now):
    settings.YUNDAN_DASHBOARD_REFRESH_MINUTES = 10
    snapshot = refresh_snapshot()
    assert not is_stale(snapshot)
    settings.YUNDAN_NOW = NOW + timedelta(minutes=30)
    assert not is_stale(snapshot)
    settings.YUNDAN_NOW = NOW + timedelta(minutes=31)
    assert is_stale(snapshot)
