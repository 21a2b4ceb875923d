from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count

from yundan.carriers.models import WaybillCounter
from yundan.carriers.sandbox import SCENARIOS, scenario_of
from yundan.demo.builder import DEMO_PASSWORD, DEMO_USER, build_demo
from yundan.orders.models import Order
from yundan.orders.states import OrderStatus
from yundan.regions import PROVINCES
from yundan.shipping.models import Package
from yundan.tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db


def snapshot():
    orders = list(Order.objects.order_by("order_no").values_list(
        "order_no", "buyer_id", "status", "receiver_name", "receiver_phone", "receiver_address", "amount", "ordered_at"))
    packages = list(Package.objects.order_by("waybill_no").values_list(
        "order__order_no", "waybill_no", "shipped_at", "status", "last_event_text"))
    events = list(TrackingEvent.objects.order_by("package__waybill_no", "time", "content_hash").values_list(
        "package__waybill_no", "time", "raw_text"))
    return orders, packages, events


def test_the_same_seed_gives_the_same_data(frozen_now):
    build_demo(300, seed=7)
    first = snapshot()
    Package.objects.all().delete()
    WaybillCounter.objects.all().delete()  # a fresh database starts numbering at 1
    build_demo(300, seed=7)
    assert snapshot() == first


def test_another_seed_gives_other_data(frozen_now):
    build_demo(50, seed=1)
    first = snapshot()[0]
    build_demo(50, seed=2)
    assert snapshot()[0] != first


def test_demo_has_every_order_state_split_shipments_and_printed_unconfirmed_orders(frozen_now):
    summary = build_demo(1000, seed=3)
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    split = Order.objects.annotate(n=Count("packages")).filter(n__gte=2).count()
    assert split >= 0.05 * 1000 and summary.split_orders == split
    printed = Package.objects.filter(printed_at__isnull=False, shipped_at__isnull=True,
                                     order__status=OrderStatus.AWAITING_SHIPMENT)
    assert printed.exists()
    assert Order.objects.filter(status=OrderStatus.AWAITING_SHIPMENT, packages__isnull=True).exists()


def test_demo_has_every_sandbox_scenario_and_many_tracking_phases(frozen_now):
    build_demo(1000, seed=3)
    shipped = Package.objects.filter(shipped_at__isnull=False)
    assert {scenario_of(no) for no in shipped.values_list("waybill_no", flat=True)} == set(SCENARIOS)
    phases = set(shipped.values_list("status", flat=True))
    assert {"pending", "picked_up", "in_transit", "out_for_delivery", "delivered", "returned", "lost"} <= phases


def test_even_a_small_demo_shows_every_scenario_at_its_ending(frozen_now):
    build_demo(60, seed=1)
    shipped = Package.objects.filter(shipped_at__lte=frozen_now - timedelta(days=12), order__status=OrderStatus.SHIPPED)
    endings = {scenario_of(p.waybill_no): p.status for p in shipped}
    assert set(endings) == set(SCENARIOS)
    assert {endings["lost"], endings["rejected_returned"], endings["stalled"]} == {"lost", "returned", "in_transit"}


def test_demo_receivers_live_across_the_provinces(frozen_now):
    build_demo(1000, seed=3)
    assert Order.objects.values("receiver_province").distinct().count() >= 0.8 * len(PROVINCES)


def test_demo_packages_summaries_match_their_latest_event(frozen_now):
    build_demo(200, seed=5)
    for package in Package.objects.filter(shipped_at__isnull=False).prefetch_related("events")[:50]:
        latest = package.events.all()[0]
        assert (package.status, package.last_event_at, package.last_event_text) == (
            latest.status, latest.time, latest.raw_text)


def test_demo_creates_the_console_login_it_prints(frozen_now):
    build_demo(10, seed=1)
    assert authenticate(username=DEMO_USER, password=DEMO_PASSWORD) is not None


def test_running_the_demo_again_replaces_its_orders(frozen_now):
    build_demo(100, seed=1)
    build_demo(100, seed=1)
    assert Order.objects.count() == 100
