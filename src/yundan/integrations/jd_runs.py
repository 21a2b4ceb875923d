"""One run of a shop's JD sync: pull its orders, then report its shipments; and which shops the
worker runs now (every ``YUNDAN_JD_SYNC_MINUTES``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from yundan import clock
from yundan.integrations.jd_shipments import ShipmentsReport, report_shipments
from yundan.integrations.jd_sync import SyncReport, sync_orders
from yundan.integrations.models import JdOrderSync


@dataclass
class ShopRun:
    orders: SyncReport
    shipments: ShipmentsReport

    def as_dict(self) -> dict:
        return {"shop": self.orders.shop, "orders": self.orders.as_dict(), "shipments": asdict(self.shipments)}


def run_shop(sync: JdOrderSync, *, since: datetime | None = None,
             progress: Callable[[str, dict], None] | None = None) -> ShopRun:
    """Pull first, so the reports see JD's latest state of each order."""
    orders = sync_orders(sync, since=since, progress=progress)
    return ShopRun(orders, report_shipments(sync))


def due_syncs(now: datetime) -> QuerySet[JdOrderSync]:
    interval = timedelta(minutes=settings.YUNDAN_JD_SYNC_MINUTES)
    return (JdOrderSync.objects.select_related("shop").filter(enabled=True)
            .filter(Q(last_run_at=None) | Q(last_run_at__lte=now - interval)).order_by("pk"))


def run_due() -> list[ShopRun]:
    """The worker's run: every enabled shop whose interval has passed, one after the other."""
    return [run_shop(sync) for sync in due_syncs(clock.now())]
