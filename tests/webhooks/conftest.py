from datetime import timedelta

import pytest

from yundan.shipping.models import Package
from yundan.webhooks.services import create_endpoint

from factories import NOW
from webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    """A receiver that is not listening yet: ``receiver.start()`` brings it up."""
    made = Receiver()
    yield made
    made.stop()


@pytest.fixture
def subscribe(db, receiver):
    """``subscribe("package.shipped", …)`` → an endpoint at the receiver, which learns its secret."""
    def make(*events, url=None):
        endpoint = create_endpoint(url or receiver.url, list(events), "ERP 测试")
        receiver.secret = endpoint.secret
        return endpoint

    return make


@pytest.fixture
def shipped_package(make_order, frozen_now):
    def make(order_no="312345678901", waybill="JDX910000000001"):
        order = make_order(order_no, status="shipped")
        return Package.objects.create(order=order, carrier="sandbox", waybill_no=waybill,
                                      printed_at=NOW - timedelta(days=1), shipped_at=NOW - timedelta(days=1))

    return make


@pytest.fixture
def move_clock(settings, frozen_now):
    """``move_clock(seconds=5)`` moves yundan's frozen clock forward; returns the new now."""
    def move(**delta):
        settings.YUNDAN_NOW = settings.YUNDAN_NOW + timedelta(**delta)
        return settings.YUNDAN_NOW

    return move
