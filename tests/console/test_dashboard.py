"""看板 in a real browser on the demo shop: every chart drawn without a console error, and the numbers in
the tables (and the charts) equal to direct queries. Through the test client: every role may look, the
page reads the snapshot in a few queries, and says when its numbers are old."""

import statistics
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from yundan.demo.builder import build_demo
from yundan.exceptions.kinds import CLOSED_STATES, ExceptionKind
from yundan.exceptions.models import ParcelException
from yundan.exceptions.services import act, sweep
from yundan.orders.models import Order
from yundan.orders.states import OrderStatus
from yundan.shipping.models import Package
from yundan.tracking.statuses import TrackingStatus

from factories import NOW

pytestmark = pytest.mark.django_db(transaction=True)

CHARTS = ("orders", "tracking", "exception-trend", "open-exceptions", "delivery-time", "delivery-province",
          "within-48h")


@pytest.fixture
def demo(frozen_now):
    """The demo shop (`yundan demo --orders 2000 --seed 1`), swept for exceptions, a few of them closed."""
    build_demo(2000, seed=1)
    sweep()
    for exception in ParcelException.objects.order_by("id")[:5]:
        act(exception.pk, "close", actor="test", note="买家已收到")


def table(page, key: str) -> dict[str, list[str]]:
    """A panel's table body as {row header: [cells…]}."""
    rows = page.eval_on_selector(
        f"#table-{key}", "t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim()))")
    return {row[0]: row[1:] for row in rows}


def footer(page, key: str) -> list[str]:
    return page.eval_on_selector(f"#table-{key}", "t => [...t.tFoot.rows[0].cells].map(c => c.textContent.trim())")


def integer(text: str) -> int:
    return int(text.replace(",", ""))


def chart_data(page, key: str) -> list[list]:
    return page.evaluate(f"Chart.getChart('chart-{key}').data.datasets.map(d => d.data)")


def open_dashboard(page) -> list[str]:
    """Go to 看板 by its nav link; return the console errors and page errors seen on the way."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.click("header.top nav >> text=看板")
    page.wait_for_url("**/dashboard/")
    page.wait_for_function(
        "() => typeof Chart !== 'undefined' && [...document.querySelectorAll('canvas')].every(c => Chart.getChart(c))")
    return errors


def delivered_hours(since, until) -> tuple[list[float], dict[str, list[float]]]:
    """Shipped → delivered hours, straight from the packages, overall and per province."""
    overall, by_province = [], {}
    packages = Package.objects.filter(status=TrackingStatus.DELIVERED, last_event_at__range=(since, until))
    for package in packages.select_related("order"):
        hours = (package.last_event_at - package.shipped_at).total_seconds() / 3600
        if hours >= 0:
            overall.append(hours)
            by_province.setdefault(package.order.receiver_province, []).append(hours)
    return overall, by_province


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def test_the_dashboard_draws_every_chart_with_the_numbers_of_the_demo_shop(signed_in, demo, screenshot):
    page = signed_in("viewer")
    errors = open_dashboard(page)
    assert page.locator("canvas").count() == len(CHARTS)
    assert all(page.locator(f"#chart-{key}").is_visible() for key in CHARTS)
    assert "数据更新于 2026-11-27 10:00" in page.inner_text("#freshness")
    screenshot(page, "dashboard")

    orders = table(page, "orders")
    for status, label in OrderStatus.choices:
        assert integer(orders[str(label)][0]) == Order.objects.filter(status=status).count(), label
    assert integer(footer(page, "orders")[1]) == Order.objects.count() == 2000
    assert chart_data(page, "orders") == [[integer(cells[0]) for cells in orders.values()]]

    tracking = table(page, "tracking")
    shipped = Package.objects.filter(shipped_at__isnull=False)
    for status, label in TrackingStatus.choices:
        assert integer(tracking[str(label)][0]) == shipped.filter(status=status).count(), label

    unfinished = ParcelException.objects.exclude(state__in=CLOSED_STATES)
    open_by_kind = table(page, "open-exceptions")
    for kind, label in ExceptionKind.choices:
        assert integer(open_by_kind[str(label)][-1]) == unfinished.filter(kind=kind).count(), label
    assert integer(footer(page, "open-exceptions")[-1]) == unfinished.count() > 0
    bands = chart_data(page, "open-exceptions")
    assert [sum(band) for band in zip(*bands)] == [integer(cells[-1]) for cells in open_by_kind.values()]

    today = timezone.make_aware(datetime.combine(timezone.localdate(NOW), time(0)))
    trend = table(page, "exception-trend")
    assert integer(trend["11-27"][0]) == ParcelException.objects.filter(opened_at__gte=today).count()
    assert integer(trend["11-27"][1]) == 5

    overall, by_province = delivered_hours(NOW - timedelta(days=30), NOW)
    everything = footer(page, "delivery-province")
    assert integer(everything[1]) == len(overall) > 100
    assert float(everything[2]) == round(statistics.median(overall), 1)
    assert float(everything[3]) == round(p90(overall), 1)
    provinces = table(page, "delivery-province")
    busiest = min(by_province, key=lambda name: (-len(by_province[name]), name))
    assert list(provinces)[0] == busiest
    assert float(provinces[busiest][1]) == round(statistics.median(by_province[busiest]), 1)
    assert float(provinces[busiest][2]) == round(p90(by_province[busiest]), 1)
    medians, p90s = chart_data(page, "delivery-province")
    assert medians[0] == float(provinces[busiest][1]) and p90s[0] == float(provinces[busiest][2])

    end = NOW - timedelta(hours=48)
    cohort = Package.objects.filter(shipped_at__gte=end - timedelta(days=30), shipped_at__lt=end,
                                    order__receiver_province=busiest)
    within = [p for p in cohort if p.status == TrackingStatus.DELIVERED
              and p.last_event_at <= p.shipped_at + timedelta(hours=48)]
    shares = table(page, "within-48h")
    assert [integer(n) for n in shares[busiest][:2]] == [cohort.count(), len(within)]
    assert shares[busiest][2] == f"{100 * len(within) / cohort.count():.1f}%"
    assert errors == []


def test_viewers_operators_and_admins_all_see_the_dashboard_even_of_an_empty_shop(signed_in, frozen_now):
    for role in ("viewer", "operator", "admin"):
        page = signed_in(role)
        assert open_dashboard(page) == [], role
        assert page.locator("canvas").count() == len(CHARTS)
        assert page.locator("header.top nav a.on").inner_text() == "看板"
        assert footer(page, "delivery-province")[:4] == ["全部", "0", "—", "—"]


# --- through the test client ------------------------------------------------------------------------


@pytest.fixture
def viewer_client(client, console_users):
    client.force_login(console_users["viewer"])
    return client


def test_the_page_reads_its_snapshot_in_a_few_queries_however_many_orders(viewer_client, frozen_now,
                                                                           django_assert_max_num_queries):
    build_demo(300, seed=2)
    sweep()
    assert viewer_client.get("/dashboard/").status_code == 200  # computes the first snapshot
    with django_assert_max_num_queries(5):
        response = viewer_client.get("/dashboard/")
    assert response.status_code == 200 and b'id="dashboard-charts"' in response.content


def test_the_page_says_when_its_numbers_are_old_and_refuses_to_be_posted_to(viewer_client, settings, frozen_now):
    page = viewer_client.get("/dashboard/").content.decode()
    assert "数据更新于 2026-11-27 10:00" in page and "没有更新" not in page
    settings.YUNDAN_NOW = NOW + timedelta(hours=2)
    assert "后台任务" in viewer_client.get("/dashboard/").content.decode()
    assert viewer_client.post("/dashboard/").status_code == 405
