"""Reporting shipments of JD orders back to JD (``jingdong.pop.order.shipment``) against the fake."""

from datetime import timedelta

import pytest

from yundan.integrations.jd_shipments import report_shipments, retry_delay, shipment_fields
from yundan.integrations.jd_sync import sync_orders
from yundan.integrations.models import JdShipmentReport
from yundan.shipping.models import Package
from yundan.shipping.shipment import GivenWaybill, ShipmentRequest, confirm_shipments

from factories import NOW

pytestmark = pytest.mark.django_db

A, B = "312345678901", "312345678902"
IDS = {"sf": "467", "yto": "463", "zto": "1499"}


@pytest.fixture
def jd(shop, link_jd_shop, jos, frozen_now):
    """A shop whose orders A and B were pulled from JD, awaiting shipment there."""
    jos.add_order(A, NOW - timedelta(minutes=30))
    jos.add_order(B, NOW - timedelta(minutes=20))
    sync = link_jd_shop(shop, logistics_ids="sf=467,yto=463,zto=1499", initial_days="1")
    assert sync_orders(sync).created == 2
    return sync


def ship(order_no, *waybills):
    [result] = confirm_shipments([ShipmentRequest(order_no, waybills=tuple(GivenWaybill(c, n) for c, n in waybills))])
    assert result.ok, result.error


def report(order_no) -> JdShipmentReport:
    return JdShipmentReport.objects.get(order__order_no=order_no)


def test_fields_group_waybills_by_carrier_in_order_of_appearance():
    parcels = [("sf", "SF1"), ("yto", "YT1"), ("sf", "SF2")]
    assert shipment_fields(parcels, IDS) == ("467|463", "SF1,SF2|YT1")
    assert shipment_fields([("zto", "7301")], IDS) == ("1499", "7301")
    # two of our codes with one JD id share a group
    assert shipment_fields([("sf", "SF1"), ("yto", "YT1")], {"sf": "467", "yto": "467"}) == ("467", "SF1,YT1")


def test_fields_name_carriers_without_a_jd_id_and_never_send_the_sandbox():
    with pytest.raises(ValueError, match="未配置承运商 jd, yunda 的京东物流公司ID"):
        shipment_fields([("yunda", "1"), ("jd", "JDX000000000001"), ("sf", "SF1")], IDS)
    with pytest.raises(ValueError, match="沙箱"):
        shipment_fields([("sandbox", "JDX000000000001")], {"sandbox": "1"})


def test_retry_waits_double_each_time_up_to_a_day(settings):
    settings.YUNDAN_JD_SHIPMENT_RETRY_MINUTES = 10
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    assert retry_delay(20) == timedelta(days=1)


def test_an_order_shipped_in_several_packages_is_reported_once_with_every_waybill(jd, jos):
    ship(A, ("sf", "SF1234567890123"), ("yto", "YT1234567890123"), ("sf", "SF1234567890124"))
    result = report_shipments(jd)
    assert (result.accepted, result.failed, result.error) == ([A], [], "")
    assert jos.shipments == [{"orderId": int(A), "logiCoprId": "467|463",
                              "logiNo": "SF1234567890123,SF1234567890124|YT1234567890123"}]
    row = report(A)
    assert (row.state, row.attempts, row.accepted_at, row.logistics_ids) == ("accepted", 1, NOW, "467|463")
    assert jos.orders[A]["orderState"] == "WAIT_GOODS_RECEIVE_CONFIRM"
    # Accepted is final: later runs, and the pull that brings JD's new state, send nothing more.
    assert report_shipments(jd).accepted == []
    sync_orders(jd)
    assert report_shipments(jd).accepted == [] and len(jos.shipments) == 1
    assert report(A).state == "accepted" and jd.orders.get(order__order_no=A).state == "WAIT_GOODS_RECEIVE_CONFIRM"


def test_orders_not_shipped_here_or_not_from_jd_are_not_reported(jd, jos, make_order):
    make_order("399999999999", status="awaiting_shipment")
    other = make_order("388888888888")
    ship(other.order_no, ("sf", "SF1234567890125"))  # shipped here, but never pulled from JD
    assert report_shipments(jd).accepted == [] and jos.shipments == []
    assert not JdShipmentReport.objects.exists()


def test_jd_refusing_a_shipment_is_recorded_and_retried_later(jd, jos, settings):
    ship(A, ("sf", "SF1234567890123"))
    jos.shipment_refusals[A] = ("10500", "运单号与物流公司不匹配")
    result = report_shipments(jd)
    assert result.accepted == [] and "运单号与物流公司不匹配" in result.failed[0]["error"]
    row = report(A)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 1, NOW + timedelta(minutes=10))
    assert "10500" in row.last_error and "运单号与物流公司不匹配" in row.last_error
    calls = len(jos.calls)
    assert report_shipments(jd).failed == [] and len(jos.calls) == calls  # not due yet: JD is not asked
    del jos.shipment_refusals[A]
    settings.YUNDAN_NOW = NOW + timedelta(minutes=10)
    assert report_shipments(jd).accepted == [A]
    row = report(A)
    assert (row.state, row.attempts, row.last_error) == ("accepted", 2, "")


def test_a_carrier_without_a_jd_id_waits_for_the_setting_without_asking_jd(jd, jos, settings):
    ship(A, ("ems", "EA123456789CN"))
    result = report_shipments(jd)
    assert "未配置承运商 ems" in result.failed[0]["error"] and jos.shipments == []
    jd.settings["logistics_ids"] += ",ems=465"
    jd.save()
    settings.YUNDAN_NOW = NOW + timedelta(minutes=10)
    [failure] = report_shipments(jd).failed  # now JD is asked; its carrier list (the fake's) has no 465
    assert "10300 物流公司不在商家的物流公司列表中" in failure["error"]
    row = report(A)
    assert row.attempts == 2 and "物流公司不在商家的物流公司列表中" in row.last_error


def test_an_order_jd_shipped_or_canceled_meanwhile_is_closed(jd, jos, settings):
    ship(A, ("sf", "SF1234567890123"))
    jos.shipment_refusals[A] = ("10200", "系统繁忙")
    report_shipments(jd)
    jos.orders[A].update(orderState="TRADE_CANCELED", modified="2026-11-27 10:05:00")
    settings.YUNDAN_NOW = NOW + timedelta(minutes=30)
    sync_orders(jd)
    result = report_shipments(jd)
    assert result.closed == [{"order_no": A, "reason": "京东订单已是 TRADE_CANCELED"}]
    assert report(A).state == "closed" and report(A).next_attempt_at is None
    assert len(jos.shipments) == 0


def test_a_closed_report_opens_again_when_jd_awaits_the_shipment_again(jd, jos, settings):
    ship(A, ("sf", "SF1234567890123"))
    jos.shipment_refusals[A] = ("10200", "订单已锁定")
    report_shipments(jd)
    jos.orders[A].update(orderState="LOCKED", modified="2026-11-27 10:01:00")
    settings.YUNDAN_NOW = NOW + timedelta(minutes=10)
    sync_orders(jd)
    assert report_shipments(jd).closed == [{"order_no": A, "reason": "京东订单已是 LOCKED"}]
    del jos.shipment_refusals[A]
    jos.orders[A].update(orderState="WAIT_SELLER_STOCK_OUT", modified="2026-11-27 10:12:00")
    settings.YUNDAN_NOW = NOW + timedelta(minutes=20)
    sync_orders(jd)
    assert report_shipments(jd).accepted == [A] and report(A).attempts == 2


def test_an_expired_token_stops_the_run_and_leaves_the_rest_for_later(jd, jos):
    ship(A, ("sf", "SF1234567890123"))
    ship(B, ("yto", "YT1234567890123"))
    jos.token_expired = True
    result = report_shipments(jd)
    assert "已过期" in result.error and result.accepted == []
    states = dict(JdShipmentReport.objects.values_list("order__order_no", "state"))
    assert sorted(states.values()) == ["failed", "pending"]  # the first tried, the second untouched


def test_a_report_cut_off_while_sending_is_sent_again_only_when_stale(jd, jos, settings):
    ship(A, ("sf", "SF1234567890123"))
    JdShipmentReport.objects.create(order=jd.orders.get(order__order_no=A).order, state="sending",
                                    last_attempt_at=NOW - timedelta(minutes=5))
    assert report_shipments(jd).accepted == [] and jos.shipments == []  # another worker may be on it
    settings.YUNDAN_NOW = NOW + timedelta(minutes=30)
    assert report_shipments(jd).accepted == [A]


def test_simulated_packages_are_never_reported(jd, jos, shop):
    order = jd.orders.get(order__order_no=A).order
    Package.objects.create(order=order, carrier="sandbox", waybill_no="JDX000000000009", shipped_at=NOW)
    order.status = "shipped"
    order.save()
    result = report_shipments(jd)
    assert "沙箱" in result.failed[0]["error"] and jos.shipments == []
