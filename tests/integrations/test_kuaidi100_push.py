"""``POST /hooks/kuaidi100``: Kuaidi100's signed pushes in, the documented reply out."""

from datetime import timedelta

import pytest
from fakes.kuaidi100 import last_result, signed_push_form, trace_item

from yundan.carriers.accounts import complete_settings, kind_of
from yundan.carriers.models import CarrierAccount
from yundan.shipping.models import Package
from yundan.tracking.statuses import TrackingStatus

from factories import NOW

pytestmark = pytest.mark.django_db

SALT = "s4lt-for-pushes"
ITEMS = [
    trace_item("2026-11-25 09:00:00", "【北京市】已揽收", "103", "揽收"),
    trace_item("2026-11-26 08:30:00", "快件到达【杭州西湖营业点】", "1001", "在途"),
    trace_item("2026-11-26 15:00:00", "快件已签收，签收人：本人", "301", "签收"),
]
ACCEPTED = {"result": True, "returnCode": "200", "message": "成功"}


@pytest.fixture
def account(db):
    values = complete_settings(kind_of("kuaidi100"), {"customer": "C", "key": "K", "salt": SALT})
    return CarrierAccount.objects.create(name="k100", kind="kuaidi100", settings=values)


@pytest.fixture
def package(make_order, frozen_now):
    order = make_order(status="shipped")
    return Package.objects.create(order=order, carrier="yto", waybill_no="YT1234567890123",
                                  printed_at=NOW - timedelta(days=2), shipped_at=NOW - timedelta(days=2),
                                  next_refresh_at=NOW)


def push(client, items, salt=SALT, status="polling", message="", number="YT1234567890123", **fields):
    form = signed_push_form(last_result(number, "yuantong", items), salt, status, message, **fields)
    return client.post("/hooks/kuaidi100", form)


def test_a_signed_push_is_stored_and_answered_as_documented(client, account, package):
    response = push(client, ITEMS[:2])
    assert response.status_code == 200 and response.json() == ACCEPTED
    package.refresh_from_db()
    assert package.events.count() == 2 and package.status == TrackingStatus.IN_TRANSIT
    assert package.subscribed_at == NOW
    assert package.next_refresh_at == NOW + timedelta(hours=12)  # polling is only the fallback now


def test_the_full_trace_pushed_again_stores_only_what_is_new(client, account, package):
    push(client, ITEMS[:2])
    assert push(client, ITEMS).json() == ACCEPTED
    push(client, ITEMS)
    package.refresh_from_db()
    assert package.events.count() == 3 and package.status == TrackingStatus.DELIVERED
    assert package.next_refresh_at is None


@pytest.mark.parametrize("salt", ["wrong-salt", None])
def test_a_push_with_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(client, account, package, salt):
    response = push(client, ITEMS, salt=salt)
    assert response.status_code == 400 and response.json()["result"] is False
    assert package.events.count() == 0


def test_garbage_is_refused_not_crashed_on(client, account, package):
    assert client.post("/hooks/kuaidi100", {"param": "{not json", "sign": "X"}).status_code == 400
    assert client.post("/hooks/kuaidi100", {}).status_code == 400
    assert client.get("/hooks/kuaidi100").status_code == 405
    assert client.post("/hooks/kuaidi100", b"x" * (600 * 1024), content_type="text/plain").status_code == 413
    assert package.events.count() == 0


def test_a_push_for_a_waybill_we_do_not_track_is_acknowledged(client, account, package):
    response = push(client, ITEMS, number="YT9999999999999")
    assert response.json() == ACCEPTED
    assert package.events.count() == 0


def test_a_push_that_gives_up_after_sixty_days_retires_the_package(client, account, package):
    push(client, ITEMS[:2], status="abort", message="60天无变化")
    package.refresh_from_db()
    assert package.next_refresh_at is None and package.retired_at == NOW and package.subscribed_at is None


def test_no_account_means_no_push_is_taken(client, package):
    assert push(client, ITEMS).status_code == 400
