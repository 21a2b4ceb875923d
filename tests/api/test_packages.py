import threading
from datetime import timedelta

import pytest
from django.db import connection

from yundan.api.models import IdempotentRequest
from yundan.orders.models import Order, OrderItem
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db

ORDER = "312345678901"


@pytest.fixture
def order(make_order, frozen_now):
    order = make_order(ORDER)
    OrderItem.objects.create(order=order, sku_id="100012345670", name="保温杯", quantity=1)
    return order


def test_confirm_shipment_answers_the_waybills_and_tracking_can_be_read(write_api, order):
    body = write_api.post(f"/orders/{ORDER}/shipments", json={})

    [waybill] = body["waybill_nos"]
    assert body["packages"][0]["shipped_at"] and Order.objects.get().status == "shipped"
    package = write_api.get(f"/packages/{waybill}")
    assert (package["order_no"], package["waybill_no"]) == (ORDER, waybill)
    listed = write_api.get(f"/orders/{ORDER}/packages")
    assert [p["waybill_no"] for p in listed] == [waybill]


def test_confirming_again_answers_the_same_waybills(write_api, order):
    first = write_api.post(f"/orders/{ORDER}/shipments", json={})
    second = write_api.post(f"/orders/{ORDER}/shipments", json={})

    assert second["waybill_nos"] == first["waybill_nos"] and Package.objects.count() == 1


def test_a_resend_retried_with_the_same_idempotency_key_makes_one_parcel(write_api, order):
    write_api.post(f"/orders/{ORDER}/shipments", json={})
    key = {"Idempotency-Key": "resend-2026-11-27-001"}

    first = write_api.post(f"/orders/{ORDER}/shipments", json={"resend": True}, headers=key)
    again = write_api.post(f"/orders/{ORDER}/shipments", json={"resend": True}, headers=key)

    assert again == first and len(first["waybill_nos"]) == 2
    assert Package.objects.count() == 2
    other = write_api.post(f"/orders/{ORDER}/shipments", json={"resend": True}, headers={"Idempotency-Key": "another"})
    assert len(other["waybill_nos"]) == 3


def test_the_same_idempotency_key_with_another_body_is_422(write_api, order):
    key = {"Idempotency-Key": "k1"}
    write_api.post(f"/orders/{ORDER}/shipments", json={}, headers=key)

    body = write_api.post(f"/orders/{ORDER}/shipments", json={"resend": True}, headers=key, status=422)

    assert body["error"]["code"] == "idempotency_key_reused"


def test_a_refused_shipment_is_409_and_its_key_can_be_used_again(write_api, order):
    Order.objects.update(status="canceled")
    key = {"Idempotency-Key": "k1"}

    body = write_api.post(f"/orders/{ORDER}/shipments", json={}, headers=key, status=409)

    assert body["error"]["code"] == "shipment_refused" and "已取消" in body["error"]["message"]
    assert not IdempotentRequest.objects.exists()
    Order.objects.update(status="awaiting_shipment")
    assert write_api.post(f"/orders/{ORDER}/shipments", json={}, headers=key)["waybill_nos"]


def test_a_request_still_running_with_the_key_is_409(write_api, order):
    write_api.post(f"/orders/{ORDER}/shipments", json={}, headers={"Idempotency-Key": "k1"})
    IdempotentRequest.objects.update(status=None, response=None)  # as if the first were still running

    body = write_api.post(f"/orders/{ORDER}/shipments", json={}, headers={"Idempotency-Key": "k1"}, status=409)

    assert body["error"]["code"] == "idempotency_in_progress" and write_api.last["Retry-After"] == "1"


def test_a_waybill_given_for_the_wrong_carrier_is_refused(write_api, order):
    body = write_api.post(f"/orders/{ORDER}/shipments", json={"waybills": [{"carrier": "sf", "waybill_no": "JDX000234596031"}]},
                          status=409)

    assert "单号规则" in body["error"]["message"] and not Package.objects.exists()


def test_shipping_needs_a_write_key_and_an_existing_order(read_api, write_api, order):
    assert read_api.post(f"/orders/{ORDER}/shipments", json={}, status=403)
    assert write_api.post("/orders/312345678999/shipments", json={}, status=404)["error"]["code"] == "order_not_found"


def test_unknown_or_ambiguous_waybills(read_api, order):
    assert read_api.get("/packages/JDX000000000001", status=404)["error"]["code"] == "waybill_not_found"
    Package.objects.create(order=order, carrier="sf", waybill_no="777000000000001")
    Package.objects.create(order=order, carrier="zto", waybill_no="777000000000001", sequence=2)
    assert read_api.get("/packages/777000000000001", status=409)["error"]["code"] == "ambiguous_waybill"
    assert read_api.get("/packages/777000000000001?carrier=zto")["carrier"] == "zto"


def test_refresh_answers_each_waybill_with_its_timeline(write_api, order):
    [waybill] = write_api.post(f"/orders/{ORDER}/shipments", json={})["waybill_nos"]
    printed_only = Package.objects.create(order=order, carrier="sandbox", waybill_no="JDX000000000009", sequence=2)

    results = write_api.post("/tracking/refresh", json={"waybill_nos": [waybill, printed_only.waybill_no, "JDX000000000001"]})

    by_number = {r["waybill_no"]: r for r in results}
    assert by_number[waybill]["refreshed"] and by_number[waybill]["package"]["events"]
    assert "not shipped" in by_number["JDX000000000009"]["error"]
    assert by_number["JDX000000000001"]["package"] is None and "unknown" in by_number["JDX000000000001"]["error"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_resend_once(write_api, order):
    write_api.post(f"/orders/{ORDER}/shipments", json={})
    answers, barrier = [], threading.Barrier(4)

    def retry():
        try:
            barrier.wait()
            response = write_api.client.post(f"/api/v1/orders/{ORDER}/shipments", data={"resend": True},
                                             content_type="application/json",
                                             headers={**write_api.headers, "Idempotency-Key": "resend-1"})
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Package.objects.count() == 2
    assert {status for status, _ in answers} <= {200, 409} and len(answers) == 4
    assert len({str(body) for status, body in answers if status == 200}) == 1


def test_a_key_is_remembered_for_a_day(write_api, order, settings, frozen_now):
    write_api.post(f"/orders/{ORDER}/shipments", json={}, headers={"Idempotency-Key": "k1"})
    settings.YUNDAN_NOW = frozen_now + timedelta(hours=25)

    write_api.post(f"/orders/{ORDER}/shipments", json={"resend": True}, headers={"Idempotency-Key": "k1"})

    assert IdempotentRequest.objects.count() == 1 and Package.objects.count() == 2  # not 422: the old use is forgotten
