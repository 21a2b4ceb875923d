"""The worker's jobs: a retry due within the minute gets its own run; a frozen clock never chains runs."""

from datetime import UTC, datetime

import pytest
from huey.contrib.djhuey import HUEY

from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan import clock
from yundan.webhooks import tasks
from yundan.webhooks.models import Delivery
from yundan.webhooks.tasks import deliver_due_webhooks, deliver_webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    was, HUEY.immediate = HUEY.immediate, True  # an in-memory queue: tasks run at once, scheduled ones wait
    yield HUEY
    HUEY.immediate = was


def test_a_failed_first_try_schedules_a_run_at_the_first_retry(queue, make_order, subscribe, frozen_now):
    subscribe("package.shipped")  # the receiver is down
    make_order("312345678901")
    confirm_shipments([ShipmentRequest("312345678901")])
    deliver_due_webhooks.call_local()
    [follow_up] = queue.scheduled()
    assert follow_up.name == deliver_webhooks.task_class.__name__
    wait = (follow_up.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds()  # huey keeps naive UTC
    assert 4 < wait <= 5.5  # the first retry: 5 s, lengthened by up to a tenth
    deliver_webhooks.call_local()  # the clock is frozen: nothing came due, nothing more is scheduled
    assert len(queue.scheduled()) == 1


def test_a_retry_that_fell_due_while_the_run_was_sending_gets_a_run_at_once(make_order, subscribe, frozen_now,
                                                                            monkeypatch):
    """It waited for the next minute's periodic run: with a slow receiver or a burst, every retry did."""
    subscribe("package.shipped")  # the receiver is down
    make_order("312345678901")
    confirm_shipments([ShipmentRequest("312345678901")])
    sending = tasks.deliver_due

    def sends_outlasting_the_first_retry():
        run = sending()
        Delivery.objects.update(next_attempt_at=clock.now())  # its retry is due by the time the run ends
        return run

    monkeypatch.setattr(tasks, "deliver_due", sends_outlasting_the_first_retry)
    scheduled = []
    monkeypatch.setattr(deliver_webhooks, "schedule", lambda **when: scheduled.append(when))
    deliver_due_webhooks.call_local()
    assert scheduled == [{"delay": 0.0}]
