"""A JD shop end to end through its JOS account (against the fake gateway): print → ship → track."""

from datetime import timedelta

import pytest
from fakes.jd_jos import ACCESS_TOKEN, APP_KEY, APP_SECRET, CUSTOMER_CODE, FakeJos

from yundan.carriers.accounts import complete_settings, kind_of
from yundan.carriers.models import CarrierAccount
from yundan.shipping.models import Package
from yundan.shipping.printing import print_labels
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.tracking.services import refresh_due
from yundan.tracking.statuses import TrackingStatus

from factories import NOW

pytestmark = pytest.mark.django_db


def test_a_jd_parcel_is_numbered_and_tracked_by_jos(make_order, shop, settings):
    settings.YUNDAN_NOW = NOW
    shop.default_carrier = "jd"
    shop.save()
    fake = FakeJos()
    with fake.server() as server:
        values = complete_settings(kind_of("jd_jos"), {
            "endpoint": server.url("/routerjson"), "app_key": APP_KEY, "app_secret": APP_SECRET,
            "access_token": ACCESS_TOKEN, "customer_code": CUSTOMER_CODE})
        CarrierAccount.objects.create(name="jos", kind="jd_jos", shop=shop, settings=values)
        make_order("312345678901")
        printed = print_labels(["312345678901"])
        assert printed.failures == [] and printed.labels == 1
        package = Package.objects.get(order__order_no="312345678901")
        assert package.carrier == "jd" and package.waybill_no == "JDX000000000001"  # JD's number, not ours
        [shipped] = confirm_shipments([ShipmentRequest("312345678901")])
        assert shipped.ok
        fake.traces[package.waybill_no] = [
            {"opeTitle": "揽收", "opeRemark": "您的快件已由【北京大兴营业部】揽收完成", "opeName": "北京大兴营业部",
             "opeTime": "2026-11-27 11:00:00"},
            {"opeTitle": "派送", "opeRemark": "您的快件正在派送中", "opeName": "杭州西湖营业部",
             "opeTime": "2026/11/28 08:30:00", "courier": "王伟", "courierTel": "13800000000"},
        ]
        settings.YUNDAN_NOW = NOW + timedelta(days=1)
        [outcome] = refresh_due()
    assert outcome.new_events == 2 and not outcome.error
    package.refresh_from_db()
    assert package.status == TrackingStatus.OUT_FOR_DELIVERY
    latest = package.events.first()
    assert (latest.source, latest.raw_code, latest.courier_name, latest.courier_phone) == (
        "jd_jos", "派送", "王伟", "13800000000")
