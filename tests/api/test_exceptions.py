from datetime import timedelta
from decimal import Decimal

import pytest
from factories import NOW

from yundan.exceptions.kinds import ExceptionState as S
from yundan.exceptions.models import ParcelException
from yundan.exceptions.services import act
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db


@pytest.fixture
def exceptions(make_order, frozen_now):
    """Three open exceptions: stalled (3 days), rejected (1 day), lost (2 hours)."""
    made = []
    for n, (kind, age) in enumerate([("stalled", 72), ("rejected", 24), ("lost", 2)]):
        order = make_order(f"31234567890{n}", status="shipped", amount=Decimal("199.00"))
        package = Package.objects.create(order=order, carrier="sandbox", waybill_no=f"JDX91000000000{n}",
                                         shipped_at=NOW - timedelta(days=5))
        made.append(ParcelException.objects.create(package=package, kind=kind, reason=f"{kind} 原因",
                                                   opened_at=NOW - timedelta(hours=age)))
    return made


def test_the_queue_is_oldest_first_and_filters_like_the_command(read_api, exceptions):
    body = read_api.get("/exceptions")
    assert [e["kind"] for e in body["exceptions"]] == ["stalled", "rejected", "lost"]
    assert body["exceptions"][0]["order_no"] == "312345678900" and body["exceptions"][0]["age_hours"] == 72

    assert [e["kind"] for e in read_api.get("/exceptions?kind=lost")["exceptions"]] == ["lost"]
    assert [e["kind"] for e in read_api.get("/exceptions?older_than=36h")["exceptions"]] == ["stalled"]
    act(exceptions[2].pk, "close", actor="ops", note="找到了")
    assert [e["kind"] for e in read_api.get("/exceptions")["exceptions"]] == ["stalled", "rejected"]
    assert [e["state"] for e in read_api.get("/exceptions?all=true&kind=lost")["exceptions"]] == ["closed"]


def test_the_queue_pages_with_a_cursor(read_api, exceptions):
    first = read_api.get("/exceptions?limit=2")
    second = read_api.get(f"/exceptions?cursor={first['next_cursor']}&limit=2")

    assert [e["kind"] for e in first["exceptions"] + second["exceptions"]] == ["stalled", "rejected", "lost"]
    assert second["has_more"] is False


def test_bad_filters_are_422_naming_the_field(read_api, exceptions):
    assert read_api.get("/exceptions?older_than=soon", status=422)["error"]["fields"][0]["path"] == "older_than"
    assert read_api.get("/exceptions?kind=late", status=422)["error"]["fields"][0]["path"] == "kind"
    assert read_api.get("/exceptions?cursor=abc", status=422)["error"]["fields"][0]["path"] == "cursor"


def test_one_exception_with_its_timeline_allowed_actions_and_log(read_api, exceptions):
    body = read_api.get(f"/exceptions/{exceptions[0].pk}")

    assert body["reason"] == "stalled 原因" and body["package"]["waybill_no"] == "JDX910000000000"
    assert "resend" in body["allowed_actions"] and body["log"] == []
    assert read_api.get("/exceptions/999999", status=404)["error"]["code"] == "exception_not_found"


def test_acting_moves_the_exception_and_logs_the_key(write_api, exceptions):
    exception = exceptions[1]

    body = write_api.post(f"/exceptions/{exception.pk}/actions", json={"action": "contact_buyer"})

    assert body["exception"]["state"] == "in_progress" and body["contact"]["phone"] == "13812345678"
    assert body["exception"]["log"][-1]["actor"] == "api:ERP"
    refunded = write_api.post(f"/exceptions/{exception.pk}/actions", json={"action": "refund", "amount": "50.00"})
    assert refunded["exception"]["state"] == "resolved" and refunded["exception"]["refund_amount"] == "50.00"


def test_an_illegal_move_is_409_with_the_reason_and_changes_nothing(write_api, exceptions):
    exception = exceptions[0]
    write_api.post(f"/exceptions/{exception.pk}/actions", json={"action": "mark_returned"})

    body = write_api.post(f"/exceptions/{exception.pk}/actions", json={"action": "request_return"}, status=409)

    assert body["error"]["code"] == "illegal_move" and "已退回仓库" in body["error"]["message"]
    assert ParcelException.objects.get(pk=exception.pk).state == S.RETURNED_TO_WAREHOUSE
    closing = write_api.post(f"/exceptions/{exception.pk}/actions", json={"action": "close"}, status=409)
    assert "原因" in closing["error"]["message"]


def test_acting_needs_a_write_key_a_known_action_and_exception(read_api, write_api, exceptions):
    assert read_api.post(f"/exceptions/{exceptions[0].pk}/actions", json={"action": "note"}, status=403)
    assert write_api.post(f"/exceptions/{exceptions[0].pk}/actions", json={"action": "fly"}, status=422)
    assert write_api.post("/exceptions/999999/actions", json={"action": "note"}, status=404)
