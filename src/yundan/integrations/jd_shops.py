"""A shop's link to JD for the order sync: setting it up, proving its credentials, its state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.db.models import Count, Q

from yundan import clock
from yundan.integrations.jd_api import order_api
from yundan.integrations.jd_settings import complete, options, shown
from yundan.integrations.models import JdOrderSync
from yundan.integrations.models import ShipmentReportState as State
from yundan.orders.details import iso_time
from yundan.orders.models import Shop


def configure_shop(shop: Shop, given: Mapping[str, str], enabled: bool | None = None) -> tuple[JdOrderSync, bool]:
    """Create or update the shop's sync with ``given`` settings on top of the stored ones; raises
    CarrierError naming an unknown, missing or bad setting (nothing is stored then)."""
    sync = JdOrderSync.objects.filter(shop=shop).first()
    created = sync is None
    sync = sync or JdOrderSync(shop=shop)
    sync.settings = complete({**sync.settings, **given})
    if enabled is not None:
        sync.enabled = enabled
    sync.save()
    return sync, created


def check(sync: JdOrderSync) -> str:
    """One signed order search over the last minute: proves the app key, secret, token and
    endpoint. Raises CarrierError with JD's answer when they do not work."""
    now = clock.now().replace(microsecond=0)
    opts = options(sync.settings)
    with order_api(sync.settings, opts) as api:
        page = api.search(now - timedelta(minutes=1), now, 1)
    return f"京东接受了凭据；最近一分钟修改的订单 {page.total} 个 (credentials accepted)"


def shop_states() -> list[dict]:
    """Every linked shop: settings (secrets masked), watermark, last run, open problems."""
    syncs = JdOrderSync.objects.select_related("shop").annotate(
        rejected=Count("rejections", distinct=True),
        reports_open=Count("orders__order__jd_shipment_report", distinct=True,
                           filter=Q(orders__order__jd_shipment_report__state__in=(State.PENDING, State.FAILED))),
        reports_failed=Count("orders__order__jd_shipment_report", distinct=True,
                             filter=Q(orders__order__jd_shipment_report__state=State.FAILED)),
    ).order_by("shop__name")
    return [
        {
            "shop": sync.shop.name, "enabled": sync.enabled,
            "synced_until": iso_time(sync.synced_until), "last_run_at": iso_time(sync.last_run_at),
            "last_error": sync.last_error, "rejected_orders": sync.rejected,
            "shipments_waiting": sync.reports_open, "shipments_failing": sync.reports_failed,
            "settings": shown(sync.settings),
        }
        for sync in syncs
    ]
