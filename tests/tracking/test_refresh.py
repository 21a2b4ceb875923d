"""Refresh through a real adapter (Kuaidi100, against its fake) and through the sandbox, together."""

from datetime import timedelta

import pytest
from fakes.kuaidi100 import FakeKuaidi100, trace_item

from yundan.carriers.accounts import complete_settings, kind_of
from yundan.carriers.models import CarrierAccount
from yundan.shipping.models import Package
from yundan.tracking.services import (
    CLAIM_LEASE,
    claim_due,
    claim_due_runs,
    refresh_claimed,
    refresh_due,
    refresh_packages,
    subscribe_packages,
)
from yundan.tracking.statuses import TrackingStatus

from factories import NOW

pytestmark = pytest.mark.django_db

ITEMS = [
    trace_item("2026-11-25 09:00:00", "【北京市】顺丰速运 已收取快件", "103", "揽收"),
    trace_item("2026-11-26 08:30:00", "快件到达【杭州西湖营业点】", "1001", "在途"),
    trace_item("2026-11-26 09:10:00", "快件交给王师傅，正在派送途中（联系电话：13800001111）", "5", "派件"),
]


@pytest.fixture
def fake():
    with FakeKuaidi100() as server:
        yield server


@pytest.fixture
def kuaidi100_account(fake):
    values = complete_settings(kind_of("kuaidi100"), fake.settings(callback_url="https://yundan.example/hooks/kuaidi100",
                                                                    salt="s4lt"))
    return CarrierAccount.objects.create(name="k100", kind="kuaidi100", settings=values)


def shipped(make_order, order_no, carrier, waybill):
    order = make_order(order_no, status="shipped")
    return Package.objects.select_related("order__shop").get(pk=Package.objects.create(
        order=order, carrier=carrier, waybill_no=waybill, printed_at=NOW - timedelta(days=2),
        shipped_at=NOW - timedelta(days=2), next_refresh_at=NOW).pk)


def test_a_courier_parcel_is_tracked_through_kuaidi100(make_order, fake, kuaidi100_account, frozen_now):
    package = shipped(make_order, "312345678901", "sf", "SF1400000000001")
    fake.add_trace("SF1400000000001", ITEMS)
    [outcome] = refresh_packages([package])
    assert (outcome.new_events, outcome.found, outcome.error) == (3, True, "")
    package.refresh_from_db()
    assert package.status == TrackingStatus.OUT_FOR_DELIVERY
    assert "王师傅" in package.last_event_text
    assert set(package.events.values_list("source", flat=True)) == {"kuaidi100"}
    assert fake.queries[0]["com"] == "shunfeng" and fake.queries[0]["phone"] == "5678"
    assert package.next_refresh_at == NOW + timedelta(hours=1)  # out for delivery: hourly


def test_kuaidi100_is_never_asked_twice_within_thirty_minutes(make_order, fake, kuaidi100_account, settings):
    settings.YUNDAN_NOW = NOW
    package = shipped(make_order, "312345678901", "sf", "SF1400000000001")
    fake.add_trace("SF1400000000001", ITEMS)
    refresh_packages([package])
    settings.YUNDAN_NOW = NOW + timedelta(minutes=10)
    [again] = refresh_packages([Package.objects.select_related("order__shop").get(pk=package.pk)])
    assert "限制" in again.error and len(fake.queries) == 1
    package.refresh_from_db()
    assert package.next_refresh_at == NOW + timedelta(minutes=30)
    settings.YUNDAN_NOW = NOW + timedelta(minutes=31)
    refresh_packages([Package.objects.select_related("order__shop").get(pk=package.pk)])
    assert len(fake.queries) == 2


def test_one_carrier_failing_does_not_stop_the_others(make_order, fake, kuaidi100_account, frozen_now):
    kuaidi100_account.settings["key"] = "wrong"
    kuaidi100_account.save()
    courier = shipped(make_order, "312345678901", "sf", "SF1400000000001")
    sandbox = shipped(make_order, "312345678902", "sandbox", "JDX910000000002")
    outcomes = {o.package.pk: o for o in refresh_packages([courier, sandbox])}
    assert outcomes[courier.pk].error and not outcomes[courier.pk].found
    assert outcomes[sandbox.pk].new_events > 0 and not outcomes[sandbox.pk].error


def test_a_number_kuaidi100_does_not_know_yet_stays_due(make_order, fake, kuaidi100_account, frozen_now):
    package = shipped(make_order, "312345678901", "zto", "73100000000001")
    [outcome] = refresh_packages([package])
    assert not outcome.found and outcome.error
    package.refresh_from_db()
    assert package.status == TrackingStatus.PENDING and package.next_refresh_at == NOW + timedelta(hours=2)


def test_claiming_due_packages_leases_them_so_a_second_worker_takes_others(make_order, frozen_now):
    first = shipped(make_order, "312345678901", "sandbox", "JDX910000000001")
    second = shipped(make_order, "312345678902", "sandbox", "JDX910000000002")
    assert [p.pk for p in claim_due(1)] == [first.pk]
    assert [p.pk for p in claim_due(5)] == [second.pk]
    assert claim_due(5) == []


def test_claimed_packages_are_cut_into_runs_of_one_carrier_each_holding_the_same_lease(make_order, frozen_now):
    sandbox = [shipped(make_order, f"31234567890{n}", "sandbox", f"JDX91000000000{n}") for n in range(3)]
    sf = [shipped(make_order, f"31234567891{n}", "sf", f"SF14000000000{n}") for n in range(2)]
    runs = claim_due_runs(10, 2)
    assert [run.package_ids for run in runs] == [
        [sandbox[0].pk, sandbox[1].pk], [sandbox[2].pk, sf[0].pk], [sf[1].pk]]
    assert {run.until for run in runs} == {NOW + CLAIM_LEASE}
    assert claim_due_runs(10, 2) == []  # all leased


def test_a_run_refreshes_only_what_its_claim_still_holds(make_order, frozen_now):
    held = shipped(make_order, "312345678901", "sandbox", "JDX910000000001")
    taken_again = shipped(make_order, "312345678902", "sandbox", "JDX910000000002")
    [run] = claim_due_runs(10, 10)
    # Its lease ran out and another claim took it (or a push set its next refresh): not this run's.
    Package.objects.filter(pk=taken_again.pk).update(next_refresh_at=NOW + timedelta(minutes=20))
    assert [o.package.pk for o in refresh_claimed(run)] == [held.pk]
    held.refresh_from_db()
    assert held.last_checked_at == NOW and held.next_refresh_at != run.until
    assert refresh_claimed(run) == []  # the same run again (a retried task) does nothing twice


def test_refresh_due_refreshes_only_what_is_due(make_order, frozen_now):
    due = shipped(make_order, "312345678901", "sandbox", "JDX910000000001")
    later = shipped(make_order, "312345678902", "sandbox", "JDX910000000002")
    Package.objects.filter(pk=later.pk).update(next_refresh_at=NOW + timedelta(hours=1))
    assert [o.package.pk for o in refresh_due()] == [due.pk]


def test_a_package_unchanged_for_sixty_days_is_retired(make_order, settings):
    settings.YUNDAN_NOW = NOW
    settings.YUNDAN_SANDBOX_SCENARIO = "stalled"
    package = shipped(make_order, "312345678901", "sandbox", "JDX960000000001")
    settings.YUNDAN_NOW = NOW + timedelta(days=70)
    refresh_packages([package])
    package.refresh_from_db()
    assert package.next_refresh_at is None and package.retired_at == NOW + timedelta(days=70)
    assert package.status not in (TrackingStatus.DELIVERED, TrackingStatus.RETURNED)


def test_shipped_courier_parcels_are_subscribed_once(make_order, fake, kuaidi100_account, frozen_now):
    package = shipped(make_order, "312345678901", "yto", "YT1234567890123")
    sandbox = shipped(make_order, "312345678902", "sandbox", "JDX910000000002")
    answers = subscribe_packages([package, sandbox])
    assert answers == {package.pk: ""}
    subscription = fake.subscriptions[("yuantong", "YT1234567890123")]
    assert subscription["parameters"]["callbackurl"] == "https://yundan.example/hooks/kuaidi100"
    package.refresh_from_db()
    assert package.subscribed_at == NOW
    assert subscribe_packages([package]) == {}  # already subscribed: not asked again


def test_the_tracking_refresh_command_refreshes_given_or_due_waybills(make_order, frozen_now, capsys):
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    first = shipped(make_order, "312345678901", "sandbox", "JDX910000000001")
    shipped(make_order, "312345678902", "sandbox", "JDX910000000002")
    call_command("tracking", "refresh", "jdx910000000001", "--json")
    [row] = json.loads(capsys.readouterr().out)
    assert row["waybill_no"] == "JDX910000000001" and row["new_events"] > 0 and row["error"] == ""
    call_command("tracking", "refresh", "--due", "--json")
    assert [r["waybill_no"] for r in json.loads(capsys.readouterr().out)] == ["JDX910000000002"]
    with pytest.raises(CommandError, match="JDX999"):
        call_command("tracking", "refresh", first.waybill_no, "JDX999999999999")
    with pytest.raises(CommandError, match="--due"):
        call_command("tracking", "refresh")
