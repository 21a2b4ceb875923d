from datetime import UTC, timedelta

import pytest

from yundan.carriers.base import TraceEvent
from yundan.shipping.models import Package
from yundan.tracking.events import content_hash, summarize
from yundan.tracking.services import refresh_packages, store_events, update_summary
from yundan.tracking.statuses import TrackingStatus

from factories import NOW


def event(minutes=0, status=TrackingStatus.IN_TRANSIT, text="您的快件已到达【杭州转运中心】", **more):
    return TraceEvent(NOW + timedelta(minutes=minutes), status, more.pop("code", "到达"), text, "杭州转运中心", **more)


def test_the_same_event_has_the_same_hash_whatever_its_time_zone():
    utc_twin = TraceEvent(NOW.astimezone(UTC), "in_transit", "到达", "您的快件已到达【杭州转运中心】", "杭州转运中心")
    assert content_hash(event()) == content_hash(utc_twin)


def test_events_that_differ_in_time_text_code_or_place_have_different_hashes():
    base = content_hash(event())
    assert content_hash(event(minutes=1)) != base
    assert content_hash(event(text="别的描述")) != base
    assert content_hash(event(code="分拣")) != base
    assert content_hash(TraceEvent(NOW, "in_transit", "到达", "您的快件已到达【杭州转运中心】", "别处")) != base


def test_the_courier_and_status_mapping_do_not_change_an_events_identity():
    # A remapped status or a courier added on a later fetch is still the same scan.
    assert content_hash(event(status=TrackingStatus.EXCEPTION, courier_name="王师傅")) == content_hash(event())


def test_summary_follows_the_latest_event_not_the_worst():
    events = [event(0, TrackingStatus.DELIVERY_FAILED), event(60, TrackingStatus.DELIVERED, "已签收")]
    summary = summarize(reversed(events))
    assert (summary.status, summary.last_event_at, summary.last_event_text) == ("delivered", events[1].time, "已签收")


def test_a_package_with_no_events_is_pending():
    assert summarize([]).status == TrackingStatus.PENDING


@pytest.fixture
def package(make_order, frozen_now):
    order = make_order()
    return Package.objects.create(order=order, carrier="sandbox", waybill_no="JDX910000000001",
                                  printed_at=NOW - timedelta(days=3), shipped_at=NOW - timedelta(days=3))


def test_the_same_event_stored_twice_is_stored_once(package):
    assert store_events(package, [event(), event(5)], source="poll") == 2
    assert store_events(package, [event(), event(5), event(10)], source="push") == 1
    assert package.events.count() == 3


def test_a_repeated_event_inside_one_batch_is_stored_once(package):
    assert store_events(package, [event(), event()], source="poll") == 1
    assert package.events.count() == 1


def test_update_summary_sets_status_and_schedules_the_next_refresh(package, frozen_now):
    store_events(package, [event(0), event(30, TrackingStatus.OUT_FOR_DELIVERY, "派送中")], source="poll")
    update_summary(package)
    package.refresh_from_db()
    assert package.status == TrackingStatus.OUT_FOR_DELIVERY
    assert package.last_event_text == "派送中"
    assert package.next_refresh_at > frozen_now


def test_a_terminal_package_is_not_scheduled_again(package):
    store_events(package, [event(0, TrackingStatus.DELIVERED, "已签收")], source="poll")
    update_summary(package)
    package.refresh_from_db()
    assert package.next_refresh_at is None


def test_refreshing_twice_stores_each_sandbox_event_once(package):
    first = refresh_packages([package])
    stored = package.events.count()
    second = refresh_packages([package])
    assert first[0].new_events == stored > 0
    assert second[0].new_events == 0
    assert package.events.count() == stored


def test_a_printed_but_unconfirmed_package_is_not_tracked(package):
    package.shipped_at = None
    package.save()
    assert refresh_packages([package]) == []
    assert package.events.count() == 0
