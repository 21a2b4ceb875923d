"""The feed's triggers number every kind of change of an order (yundan.api.feed)."""

import pytest
from django.db import connection

from yundan.api.feed import install_triggers
from yundan.api.models import OrderFeedEntry
from yundan.orders.models import OrderItem
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL numbers changes at COMMIT


def seq_of(order) -> int:
    return OrderFeedEntry.objects.get(order=order).seq


def test_creating_an_order_puts_it_in_the_feed(make_order):
    first, second = make_order("312345678901"), make_order("312345678902")

    assert seq_of(first) < seq_of(second)


@pytest.mark.parametrize("change", ["order field", "item added", "item changed", "item removed", "package added",
                                    "waybill", "shipped", "tracking status", "package removed"])
def test_each_kind_of_change_moves_the_order_to_the_end(make_order, change):
    order, other = make_order("312345678901"), make_order("312345678902")
    item = OrderItem.objects.create(order=order, sku_id="1", name="杯", quantity=1)
    package = Package.objects.create(order=order, carrier="sandbox")
    make_order("312345678903")
    before = seq_of(order)
    {
        "order field": lambda: type(order).objects.filter(pk=order.pk).update(remark="改"),
        "item added": lambda: OrderItem.objects.create(order=order, sku_id="2", name="盖"),
        "item changed": lambda: OrderItem.objects.filter(pk=item.pk).update(quantity=3),
        "item removed": lambda: item.delete(),
        "package added": lambda: Package.objects.create(order=order, carrier="sandbox", sequence=2),
        "waybill": lambda: Package.objects.filter(pk=package.pk).update(waybill_no="JDVA00000000001"),
        "shipped": lambda: Package.objects.filter(pk=package.pk).update(shipped_at=order.ordered_at),
        "tracking status": lambda: Package.objects.filter(pk=package.pk).update(status="in_transit"),
        "package removed": lambda: package.delete(),
    }[change]()

    assert seq_of(order) > max(before, seq_of(other))
    assert OrderFeedEntry.objects.order_by("-seq").first().order_id == order.pk


def test_the_refresh_schedule_of_a_package_does_not_move_its_order(make_order, frozen_now):
    order = make_order()
    package = Package.objects.create(order=order, carrier="sandbox")
    before = seq_of(order)

    Package.objects.filter(pk=package.pk).update(next_refresh_at=frozen_now, checks_in_window=2)

    assert seq_of(order) == before


def test_installing_the_triggers_again_changes_nothing(make_order):
    install_triggers()
    install_triggers()
    order = make_order()

    assert OrderFeedEntry.objects.filter(order=order).count() == 1
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'api_feed_%%'")
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'api_feed_%'")
        assert cursor.fetchone()[0] == 8
