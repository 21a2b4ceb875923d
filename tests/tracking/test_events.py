from datetime import UTC, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yundan.carriers.base import TraceEvent
from yundan.shipping.models import Package
from yundan.tracking.events import advance, after_terminal, content_hash, summarize
from yundan.tracking.ingest import ingest
from yundan.tracking.services import refresh_packages
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


def test_the_first_terminal_event_ends_the_summary_and_later_events_are_after_terminal():
    events = [event(0), event(60, TrackingStatus.DELIVERED, "已签收"), event(120, TrackingStatus.RETURNING, "退回")]
    assert summarize(events).status == TrackingStatus.DELIVERED
    assert after_terminal(events) == [events[2]]


_statuses = st.sampled_from([TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERED,
                             TrackingStatus.RETURNED, TrackingStatus.REJECTED])
_events = st.lists(st.builds(lambda m, s: event(m, s, f"{s}@{m}"), st.integers(0, 500), _statuses), max_size=8)


@given(_events, _events)
def test_advancing_a_summary_agrees_with_summarizing_everything(stored, arriving):
    step = advance(summarize(stored), arriving)
    if not step.needs_recount:
        assert step.summary == summarize([*stored, *arriving])
        late = {content_hash(e) for e in after_terminal([*stored, *arriving])}
        assert {content_hash(e) for e in step.flagged} == late & {content_hash(e) for e in arriving}


@pytest.fixture
def package(make_order, frozen_now):
    order = make_order()
    return Package.objects.create(order=order, carrier="sandbox", waybill_no="JDX910000000001",
                                  printed_at=NOW - timedelta(days=3), shipped_at=NOW - timedelta(days=3))


def test_the_same_event_stored_twice_is_stored_once(package):
    assert ingest([(package.pk, [event(), event(5)])], source="poll")[package.pk].new_events == 2
    assert ingest([(package.pk, [event(), event(5), event(10)])], source="push")[package.pk].new_events == 1
    assert package.events.count() == 3


def test_a_repeated_event_inside_one_batch_is_stored_once(package):
    assert ingest([(package.pk, [event(), event()])], source="poll")[package.pk].new_events == 1
    assert ingest([(package.pk, [event(), event()]), (package.pk, [event()])], source="poll")[package.pk].new_events == 0
    assert package.events.count() == 1


def test_ingest_keeps_the_summary_on_the_package(package):
    ingest([(package.pk, [event(30, TrackingStatus.OUT_FOR_DELIVERY, "派送中"), event(0)])], source="poll")
    package.refresh_from_db()
    assert (package.status, package.last_event_text, package.last_event_at) == (
        TrackingStatus.OUT_FOR_DELIVERY, "派送中", NOW + timedelta(minutes=30))


def test_an_event_after_delivery_is_kept_and_flagged_and_does_not_reopen_the_package(package):
    ingest([(package.pk, [event(0, TrackingStatus.DELIVERED, "已签收")])], source="poll")
    ingest([(package.pk, [event(60, TrackingStatus.IN_TRANSIT, "您的快件已到达【杭州转运中心】")])], source="push")
    package.refresh_from_db()
    assert package.status == TrackingStatus.DELIVERED
    assert [(e.status, e.after_terminal) for e in package.events.order_by("time")] == [
        ("delivered", False), ("in_transit", True)]


def test_a_late_arriving_older_delivery_flags_the_events_stored_after_it(package):
    ingest([(package.pk, [event(0), event(120, TrackingStatus.OUT_FOR_DELIVERY, "派送中")])], source="poll")
    ingest([(package.pk, [event(60, TrackingStatus.DELIVERED, "已签收")])], source="push")
    package.refresh_from_db()
    assert (package.status, package.last_event_text) == (TrackingStatus.DELIVERED, "已签收")
    assert [e.after_terminal for e in package.events.order_by("time")] == [False, False, True]


def test_refreshing_twice_stores_each_sandbox_event_once(package):
    first = refresh_packages([package])
    stored = package.events.count()
    second = refresh_packages([package])
    assert first[0].new_events == stored > 0
    assert second[0].new_events == 0
    assert package.events.count() == stored


def test_a_refreshed_terminal_package_is_not_scheduled_again(package, settings):
    settings.YUNDAN_SANDBOX_SCENARIO = "delivered"
    refresh_packages([package])
    package.refresh_from_db()
    assert package.status == TrackingStatus.DELIVERED and package.next_refresh_at is None
    assert package.last_checked_at == NOW and package.checks_in_window == 1


def test_a_printed_but_unconfirmed_package_is_not_tracked(package):
    package.shipped_at = None
    package.save()
    assert refresh_packages([package]) == []
    assert package.events.count() == 0
