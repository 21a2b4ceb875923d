"""Delivery to a real receiver on loopback that verifies every request with the standardwebhooks
library, under yundan's frozen clock: retries, giving up, disabling, enabling and redelivery."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.webhooks.delivery import EXCERPT_CHARS, claim_due, deliver_due
from yundan.webhooks.models import Delivery, Endpoint, Event
from yundan.webhooks.services import redeliver, redeliver_failed, set_enabled

from factories import NOW
from fakes.server import FakeServer

pytestmark = pytest.mark.django_db


def ship(make_order, count=1):
    for n in range(count):
        make_order(f"3123456789{n:02d}")
    confirm_shipments([ShipmentRequest(f"3123456789{n:02d}") for n in range(count)])


def to_next_try(settings, delivery):
    delivery.refresh_from_db()
    settings.YUNDAN_NOW = delivery.next_attempt_at or settings.YUNDAN_NOW
    return delivery


def test_a_delivery_arrives_signed_once_and_its_attempt_is_logged(make_order, subscribe, receiver, frozen_now):
    endpoint = subscribe("package.shipped")
    receiver.start()
    ship(make_order)
    run = deliver_due()
    event = Event.objects.get()
    assert run.delivered == 1 and receiver.rejected == []
    assert receiver.processed == {event.id: {"type": "package.shipped", "timestamp": "2026-11-27T10:00:00+08:00",
                                             "data": event.data}}
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.delivered_at, delivery.next_attempt_at) == (
        "delivered", 1, NOW, None)
    [attempt] = delivery.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.at, attempt.error) == (1, 200, NOW, "")
    assert attempt.response_excerpt == '{"ok": true}'
    endpoint.refresh_from_db()
    assert endpoint.last_success_at == NOW and endpoint.consecutive_failures == 0
    assert deliver_due().tries == 0  # nothing is sent twice


def test_failed_tries_follow_the_schedule_then_give_up_and_a_day_of_failures_disables_the_endpoint(
        make_order, subscribe, receiver, settings, frozen_now):
    endpoint = subscribe("package.shipped")
    receiver.start().answer = lambda payload: 503
    ship(make_order)
    delivery = Delivery.objects.get()
    waits = []
    for _ in range(8):
        assert deliver_due().failed_tries == 1
        assert deliver_due().tries == 0  # not due again before its time
        before = settings.YUNDAN_NOW
        delivery = to_next_try(settings, delivery)
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - before)
    schedule = [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10), timedelta(hours=10)]
    assert all(step <= wait <= step * 1.1 for wait, step in zip(waits, schedule, strict=True))
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)
    assert [a.status_code for a in delivery.attempt_log.all()] == [503] * 8
    assert receiver.seen[delivery.event_id] == 8 and receiver.processed == {}
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.consecutive_failures == 8
    assert "连续失败 8 次" in endpoint.disabled_reason and endpoint.disabled_at == delivery.attempt_log.last().at


def test_receiver_down_for_a_while_then_every_event_arrives_once_per_id(
        make_order, subscribe, receiver, settings, move_clock):
    settings.YUNDAN_WEBHOOK_TIMEOUT = 0.5
    subscribe("package.shipped", "order.updated")
    ship(make_order, count=5)
    ids = set(Event.objects.values_list("id", flat=True))
    assert len(ids) == 10

    run = deliver_due()  # nobody listening: connection refused
    assert run.failed_tries == 10 and "无法连接" in Delivery.objects.first().last_error
    move_clock(seconds=6)
    receiver.start().answer = lambda payload: 503  # up, but overloaded
    assert deliver_due().failed_tries == 10

    receiver.answer = lambda payload: 200
    late = []

    def ack_delay(payload):
        # One event is processed but acknowledged too late: the sender gives up waiting and retries it.
        if not late:
            late.append(payload)
            return 1.0
        return 0.0

    receiver.ack_delay = ack_delay
    for _ in range(3):
        move_clock(minutes=40)
        deliver_due()
    assert set(receiver.processed) == ids  # every event arrived …
    assert all(count >= 1 for count in receiver.seen.values()) and receiver.duplicates == 1  # … the late one twice
    assert receiver.rejected == []
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_a_disabled_endpoint_keeps_its_deliveries_until_enabled_again(make_order, subscribe, receiver, settings,
                                                                      move_clock):
    settings.YUNDAN_WEBHOOK_DISABLE_AFTER_HOURS = 1
    settings.YUNDAN_WEBHOOK_DISABLE_MIN_FAILURES = 3
    endpoint = subscribe("package.shipped")
    ship(make_order)  # receiver down
    for minutes in (0, 6, 40, 130):
        move_clock(minutes=minutes)
        deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "连续失败" in endpoint.disabled_reason
    make_order("312345678999")
    confirm_shipments([ShipmentRequest("312345678999")])  # happens while disabled: recorded, waiting
    move_clock(days=1)
    assert deliver_due().tries == 0
    assert Delivery.objects.filter(state="pending").count() == 2

    receiver.start()
    endpoint = set_enabled(endpoint, True)
    assert (endpoint.enabled, endpoint.disabled_reason, endpoint.consecutive_failures) == (True, "", 0)
    assert deliver_due().delivered == 2
    assert len(receiver.processed) == 2


def test_410_gone_disables_the_endpoint_at_once(make_order, subscribe, receiver, frozen_now):
    endpoint = subscribe("package.shipped")
    receiver.start().answer = lambda payload: 410
    ship(make_order)
    run = deliver_due()
    endpoint.refresh_from_db()
    assert run.disabled == [endpoint.pk] and not endpoint.enabled and "410" in endpoint.disabled_reason


def test_failed_deliveries_are_redelivered_with_the_same_id_and_a_fresh_schedule(
        make_order, subscribe, receiver, settings, move_clock):
    settings.YUNDAN_WEBHOOK_RETRY_SCHEDULE = "1s"
    subscribe("package.shipped")
    receiver.start().answer = lambda payload: 500
    ship(make_order)
    deliver_due()
    move_clock(seconds=2)
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.state == "failed"

    receiver.answer = lambda payload: 200
    assert redeliver_failed() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.retry_step, delivery.attempts) == ("pending", 0, 2)
    assert deliver_due().delivered == 1
    assert redeliver([delivery.pk]) == 1  # a delivered one too: the receiver dedupes by id
    deliver_due()
    assert receiver.seen[delivery.event_id] == 4 and list(receiver.processed) == [delivery.event_id]
    assert Delivery.objects.get().attempts == 4


def test_a_redirect_is_a_failure_and_a_long_answer_is_kept_short(make_order, subscribe, settings, frozen_now):
    answers = iter([(302, "", {"Location": "https://example.com/"}), (200, "好" * 50_000)])
    with FakeServer(lambda request: next(answers)) as fake:
        subscribe("package.shipped", url=fake.url("/hook"))
        ship(make_order)
        assert deliver_due().failed_tries == 1
        assert to_next_try(settings, Delivery.objects.get()).last_error == "HTTP 302"  # not followed
        assert deliver_due().delivered == 1
    first, second = Delivery.objects.get().attempt_log.all()
    assert (first.status_code, second.status_code) == (302, 200) and len(fake.requests) == 2
    assert len(second.response_excerpt) == EXCERPT_CHARS and set(second.response_excerpt) == {"好"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_the_same_delivery(make_order, subscribe, receiver, frozen_now):
    subscribe("order.updated", "package.shipped")
    ship(make_order, count=20)
    slow = threading.Event()
    receiver.start().answer = lambda payload: slow.wait(0.02) or 200

    def worker():
        try:
            deliver_due(limit=3)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receiver.processed) == 40 and receiver.duplicates == 0
    assert Delivery.objects.filter(attempts=1, state="delivered").count() == 40


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_runs_out(make_order, subscribe, move_clock):
    subscribe("package.shipped")
    ship(make_order)
    assert len(claim_due(10)) == 1 and claim_due(10) == []
    move_clock(minutes=16)  # the worker that claimed it died
    assert len(claim_due(10)) == 1
    assert Endpoint.objects.get().deliveries.get().attempts == 0
