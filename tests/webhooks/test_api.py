"""/api/v1/webhooks: an ERP manages its endpoints, reads deliveries and attempts, and redelivers."""

import pytest
from django.core.cache import cache
from django.test import Client

from yundan.api.keys import create_key
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.webhooks.delivery import deliver_due
from yundan.webhooks.models import Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(db):
    cache.clear()  # the API's rate limit counts in the cache
    keys = {scope: create_key(scope, f"ERP {scope}").token for scope in ("read", "write")}
    client = Client()

    def request(method, path, status=200, scope="write", json=None, **params):
        extra = {"data": json, "content_type": "application/json"} if json is not None else {"data": params}
        response = getattr(client, method)(f"/api/v1/webhooks{path}", headers={"Authorization": f"Bearer {keys[scope]}"},
                                           **extra)
        assert response.status_code == status, response.content[:1000]
        return response.json() if response.content else None

    return request


def test_an_erp_adds_an_endpoint_and_follows_its_deliveries(call, receiver, make_order, frozen_now):
    created = call("post", "/endpoints", 201, json={"url": receiver.url, "events": ["package.shipped"],
                                                     "description": "ERP"})
    assert created["secret"].startswith("whsec_") and created["health"] == "healthy" and created["enabled"]
    receiver.secret = created["secret"]
    endpoint_id = created["id"]
    assert call("get", f"/endpoints/{endpoint_id}/secret") == {"secret": created["secret"]}
    assert "secret" not in call("get", f"/endpoints/{endpoint_id}", scope="read")

    make_order("312345678901")
    confirm_shipments([ShipmentRequest("312345678901")])
    deliver_due()  # receiver down
    listed = call("get", "/endpoints", scope="read")
    assert [(e["id"], e["health"], e["pending"], e["consecutive_failures"]) for e in listed] == [
        (endpoint_id, "failing", 1, 1)]
    page = call("get", f"/endpoints/{endpoint_id}/deliveries", scope="read", state="pending")
    [delivery] = page["items"]
    assert (delivery["type"], delivery["attempts"], page["next_before"]) == ("package.shipped", 1, None)

    receiver.start()
    again = call("post", f"/deliveries/{delivery['id']}/redeliver")
    assert again["state"] == "pending" and again["next_attempt_at"] == "2026-11-27T10:00:00+08:00"
    deliver_due()
    detail = call("get", f"/deliveries/{delivery['id']}", scope="read")
    assert detail["state"] == "delivered" and [a["status_code"] for a in detail["attempt_log"]] == [None, 200]
    assert detail["payload"]["data"]["order"]["order_no"] == "312345678901"
    assert receiver.processed == {delivery["event_id"]: detail["payload"]}

    changed = call("patch", f"/endpoints/{endpoint_id}", json={"events": ["tracking.updated", "order.updated"]})
    assert changed["events"] == ["tracking.updated", "order.updated"] and changed["url"] == receiver.url
    assert call("post", f"/endpoints/{endpoint_id}/disable")["health"] == "disabled"
    assert call("post", f"/endpoints/{endpoint_id}/enable")["health"] == "healthy"
    assert call("post", f"/endpoints/{endpoint_id}/redeliver-failed") == {"redelivered": 0}
    call("delete", f"/endpoints/{endpoint_id}", 204)
    assert not Endpoint.objects.exists()


def test_bad_input_and_unknown_ids_are_4xx_with_the_field_named(call):
    error = call("post", "/endpoints", 422, json={"url": "javascript:alert(1)", "events": ["package.shipped"]})
    assert error["error"]["fields"] == [{"path": "url", "message": error["error"]["message"]}]
    error = call("post", "/endpoints", 422, json={"url": "https://erp.example.com/h", "events": ["package.lost"]})
    assert error["error"]["fields"][0]["path"].startswith("events")
    call("post", "/endpoints", 422, json={"url": "https://erp.example.com/h", "events": []})
    error = call("post", "/endpoints", 422, json={"url": "https://erp.example.com/h", "events": ["order.updated"],
                                                  "description": "ERP\x00"})
    assert error["error"]["fields"][0]["path"] == "description"  # PostgreSQL cannot store a NUL
    call("patch", "/endpoints/1", 422, json=[None, None])  # a list is not an object
    call("get", "/endpoints/99", 404, scope="read")
    call("get", f"/endpoints/{2**60}", 422, scope="read")
    call("post", "/deliveries/99/redeliver", 404)
    call("get", "/endpoints/1/deliveries", 422, scope="read", state="lost")


def test_read_keys_cannot_change_endpoints_or_see_secrets(call):
    created = call("post", "/endpoints", 201, json={"url": "https://erp.example.com/h", "events": ["order.updated"]})
    call("post", "/endpoints", 403, scope="read", json={"url": "https://erp.example.com/h", "events": ["order.updated"]})
    call("get", f"/endpoints/{created['id']}/secret", 403, scope="read")
    call("post", f"/endpoints/{created['id']}/disable", 403, scope="read")
