"""Events are written with the change that causes them, only for endpoints that want them."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from yundan.carriers.base import TraceEvent
from yundan.exceptions.services import act, sweep
from yundan.orders.models import Order
from yundan.orders.upsert import ItemInput, OrderInput, ReceiverInput, upsert_orders
from yundan.shipping.shipment import ShipmentRequest, confirm_one, confirm_shipments
from yundan.tracking.ingest import ingest
from yundan.tracking.statuses import TrackingStatus as T
from yundan.webhooks.models import Delivery, Event
from yundan.webhooks.services import set_enabled

from factories import NOW

pytestmark = pytest.mark.django_db


def scan(minutes, status=T.IN_TRANSIT, text="您的快件已到达【杭州转运中心】"):
    return TraceEvent(NOW - timedelta(hours=20) + timedelta(minutes=minutes), status, text[:4], text, "杭州转运中心")


def events_of(kind):
    return [e.data for e in Event.objects.filter(type=kind).order_by("id")]


def test_confirming_shipment_emits_package_shipped_and_order_updated(make_order, subscribe, frozen_now):
    endpoint = subscribe("package.shipped", "order.updated")
    order = make_order("312345678901")
    [result] = confirm_shipments([ShipmentRequest("312345678901")])
    [shipped] = events_of("package.shipped")
    package = order.packages.get()
    assert shipped == {
        "order": {"id": order.pk, "order_no": "312345678901", "shop_id": order.shop_id},
        "package": {"id": package.pk, "sequence": 1, "carrier": "sandbox", "waybill_no": result.waybill_nos[0],
                    "shipped_at": "2026-11-27T10:00:00+08:00"},
        "resend": False,
    }
    [updated] = events_of("order.updated")
    assert updated["order"]["status"] == "shipped" and updated["created"] is False
    assert Delivery.objects.filter(endpoint=endpoint, state="pending", next_attempt_at=NOW).count() == 2


def test_payloads_never_carry_the_receivers_name_phone_or_address(make_order, subscribe, frozen_now):
    subscribe("package.shipped", "order.updated")
    make_order("312345678901")
    confirm_shipments([ShipmentRequest("312345678901")])
    sent = json.dumps([e.data for e in Event.objects.all()], ensure_ascii=False)
    for personal in ("张三", "13812345678", "文三路", "西湖区"):
        assert personal not in sent


def test_a_rolled_back_change_emits_nothing(make_order, subscribe, frozen_now):
    subscribe("package.shipped", "order.updated")
    make_order("312345678901")
    with pytest.raises(RuntimeError), transaction.atomic():
        confirm_one(ShipmentRequest("312345678901"))
        assert Event.objects.count() == 2  # written with the shipment …
        raise RuntimeError("the request failed after shipping")
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0  # … and gone with it
    assert Order.objects.get().status == "awaiting_shipment"


def test_no_endpoint_no_event_and_the_ingest_asks_once_per_chunk(shipped_package, subscribe):
    packages = [shipped_package(f"31234567890{n}", f"JDX91000000000{n}") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        ingest([(p.pk, [scan(0, T.PICKED_UP)]) for p in packages], "t")
    asked = [q["sql"] for q in queries.captured_queries if "webhooks_endpoint" in q["sql"]]
    assert len(asked) == 1 and Event.objects.count() == 0
    subscribe("exception.opened")  # someone listens, but not to tracking
    ingest([(p.pk, [scan(10)]) for p in packages], "t")
    assert Event.objects.count() == 0


def test_tracking_updated_is_sent_for_status_changes_only(shipped_package, subscribe):
    subscribe("tracking.updated")
    package = shipped_package()
    ingest([(package.pk, [scan(0, T.PICKED_UP, "您的快件已由【北京大兴营业部】揽收完成")])], "t")
    ingest([(package.pk, [scan(0, T.PICKED_UP, "您的快件已由【北京大兴营业部】揽收完成")])], "t")  # again: nothing new
    ingest([(package.pk, [scan(60), scan(120, T.IN_TRANSIT, "您的快件在【杭州转运中心】分拣完成")])], "t")
    ingest([(package.pk, [scan(180, T.IN_TRANSIT, "您的快件由【杭州转运中心】发往【杭州西湖营业部】")])], "t")
    ingest([(package.pk, [scan(240, T.DELIVERED, "您的快件已签收")])], "t")
    changes = events_of("tracking.updated")
    assert [(c["previous_status"], c["status"]) for c in changes] == [
        ("pending", "picked_up"), ("picked_up", "in_transit"), ("in_transit", "delivered")]
    assert changes[1]["last_event"] == {"time": "2026-11-26T16:00:00+08:00", "text": "您的快件在【杭州转运中心】分拣完成"}
    assert changes[0]["package"]["waybill_no"] == "JDX910000000001"
    assert changes[0]["order"]["order_no"] == "312345678901"


def test_exceptions_opened_by_the_sweep_and_resolved_by_a_person_or_the_sweep(shipped_package, subscribe, settings):
    subscribe("exception.opened", "exception.resolved")
    package = shipped_package()
    ingest([(package.pk, [scan(0, T.PICKED_UP), scan(60, T.DELIVERY_FAILED, "客户电话无人接听")])], "t")
    sweep()
    [opened] = events_of("exception.opened")
    assert opened["exception"]["kind"] == "delivery_failed" and opened["exception"]["state"] == "open"
    assert opened["package"]["waybill_no"] == "JDX910000000001"
    act(opened["exception"]["id"], "note", actor="ops", note="已联系")  # not an end: nothing sent
    act(opened["exception"]["id"], "refund", actor="ops", amount="19.90")
    [resolved] = events_of("exception.resolved")
    assert resolved["exception"] | {"closed_by_action": resolved["exception"]["closed_by_action"]} == resolved["exception"]
    assert (resolved["exception"]["state"], resolved["exception"]["closed_by_action"],
            resolved["exception"]["refund_amount"]) == ("resolved", "refund", "19.90")

    stalled = shipped_package("312345678902", "JDX910000000002")
    ingest([(stalled.pk, [scan(0, T.PICKED_UP)])], "t")
    settings.YUNDAN_NOW = NOW + timedelta(days=4)
    sweep()
    assert [e["exception"]["kind"] for e in events_of("exception.opened")][-1] == "stalled"
    ingest([(stalled.pk, [scan(60 * 24 * 4 + 60, T.DELIVERED, "您的快件已签收")])], "t")
    sweep()
    auto = events_of("exception.resolved")[-1]["exception"]
    assert (auto["kind"], auto["state"], auto["closed_by_action"]) == ("stalled", "closed", "auto_closed")


def test_upserted_orders_emit_order_updated_when_created_or_changed(shop, subscribe, frozen_now):
    subscribe("order.updated")
    first = OrderInput("312345678901", receiver=ReceiverInput("张三", "13812345678", address="浙江省杭州市西湖区文三路90号"),
                       items=[ItemInput("100012345670", "小米 Redmi K80", 1)], amount=Decimal("1999.00"))
    assert [r.outcome for r in upsert_orders(shop, [first])] == ["created"]
    assert [r.outcome for r in upsert_orders(shop, [first])] == ["unchanged"]
    changed = OrderInput(**{**first.__dict__, "status": "canceled"})
    assert [r.outcome for r in upsert_orders(shop, [changed])] == ["updated"]
    assert [(e["created"], e["order"]["status"]) for e in events_of("order.updated")] == [
        (True, "awaiting_shipment"), (False, "canceled")]


def test_a_disabled_endpoint_keeps_its_deliveries_waiting(make_order, subscribe, frozen_now):
    endpoint = set_enabled(subscribe("package.shipped"), False)
    make_order("312345678901")
    confirm_shipments([ShipmentRequest("312345678901")])
    assert endpoint.deliveries.get().state == "pending"


def test_an_imported_order_export_emits_order_updated_for_new_and_changed_orders(shop, subscribe, tmp_path):
    import csv

    from yundan.orders.importing import import_orders

    subscribe("order.updated")
    path = tmp_path / "orders.csv"

    def export(remark):
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            csv.writer(handle).writerows([["订单号", "商品ID", "商品名称", "订购数量", "商家备注"],
                                          ["312345678901", "100012345670", "小米 Redmi K80", "1", remark]])
        return import_orders(path, shop.name)

    export("加急")
    export("加急")  # unchanged: no event
    export("周末送达")
    assert [(e["created"], e["order"]["order_no"]) for e in events_of("order.updated")] == [
        (True, "312345678901"), (False, "312345678901")]
