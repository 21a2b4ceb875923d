"""Telling JD that a JD order shipped here (``jingdong.pop.order.shipment``), once per order.

Which orders: those pulled from JD (``JdOrder``) that shipped here (a package with ``shipped_at``)
while JD still shows them awaiting shipment (``report_states``). One report row per order records
every try: JD's reason when it refuses, a retry after a growing delay (doubling from
``YUNDAN_JD_SHIPMENT_RETRY_MINUTES`` up to a day), and ``accepted`` — final — when JD takes it.
An order whose JD state moves on without us (shipped in the JD backend, canceled, locked) is
closed, and opened again should JD await its shipment again (a lock lifted).

On the wire (reference §2.4 [C]): ``logiCoprId`` is JD's carrier id, several joined by "|";
``logiNo`` the waybill numbers, "|" between carriers and "," within one, in the same order.

A call that fails in transit may still have reached JD: it is retried, and if JD had taken it, JD
refuses the second one and the next pull (state WAIT_GOODS_RECEIVE_CONFIRM) closes the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from yundan import clock
from yundan.carriers.base import CarrierError
from yundan.carriers.sandbox import SandboxCarrier
from yundan.integrations.jd_api import JdOrderApi, order_api
from yundan.integrations.jd_settings import SyncOptions, options
from yundan.integrations.models import JdOrder, JdOrderSync, JdShipmentReport
from yundan.integrations.models import ShipmentReportState as State
from yundan.orders.states import OrderStatus
from yundan.shipping.models import Package

SHIPPED_HERE = (OrderStatus.SHIPPED, OrderStatus.FINISHED)
MAX_RETRY_DELAY = timedelta(days=1)
STALE_SENDING = timedelta(minutes=30)  # a report "sending" this long was cut off by a crash


@dataclass
class ShipmentsReport:
    shop: str
    accepted: list[str] = field(default_factory=list)  # order numbers
    failed: list[dict] = field(default_factory=list)  # order_no, error
    closed: list[dict] = field(default_factory=list)  # order_no, reason
    error: str = ""  # the run stopped: credentials, network


def shipment_fields(packages: Sequence[tuple[str, str]], ids: Mapping[str, str]) -> tuple[str, str]:
    """``(logiCoprId, logiNo)`` for parcels given as (our carrier code, waybill number):
    carriers in order of first appearance, two of our codes with one JD id sharing a group.
    Raises ValueError naming the carriers that cannot be reported."""
    if any(carrier == SandboxCarrier.code for carrier, _ in packages):
        raise ValueError("沙箱（模拟）运单不能回传京东 (simulated waybills are never reported)")
    missing = sorted({carrier for carrier, _ in packages if carrier not in ids})
    if missing:
        raise ValueError(f"未配置承运商 {', '.join(missing)} 的京东物流公司ID（设置 logistics_ids）"
                         " (no JD carrier id configured)")
    groups: dict[str, list[str]] = {}
    for carrier, waybill in packages:
        groups.setdefault(ids[carrier], []).append(waybill)
    return "|".join(groups), "|".join(",".join(waybills) for waybills in groups.values())


def retry_delay(attempts: int) -> timedelta:
    base = timedelta(minutes=settings.YUNDAN_JD_SHIPMENT_RETRY_MINUTES)
    return min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def _queue_new(sync: JdOrderSync, opts: SyncOptions, now: datetime) -> None:
    """A pending report for each order shipped here that JD still awaits and nobody reported."""
    order_ids = (
        JdOrder.objects.filter(sync=sync, state__in=opts.report_states, order__status__in=SHIPPED_HERE,
                               order__jd_shipment_report__isnull=True, order__packages__shipped_at__isnull=False)
        .values_list("order_id", flat=True).distinct()
    )
    JdShipmentReport.objects.bulk_create(
        [JdShipmentReport(order_id=pk, next_attempt_at=now) for pk in order_ids], ignore_conflicts=True,
    )


def _follow_jd_state(sync: JdOrderSync, opts: SyncOptions, now: datetime, report: ShipmentsReport) -> None:
    """Close the open reports of orders JD no longer awaits (shipped in the JD backend, canceled,
    locked); reopen closed ones JD awaits again (a lock lifted)."""
    reports = JdShipmentReport.objects.filter(order__jd_order__sync=sync)
    open_reports = reports.filter(state__in=(State.PENDING, State.FAILED))
    moved = open_reports.exclude(order__jd_order__state__in=opts.report_states)
    for order_no, state in moved.values_list("order__order_no", "order__jd_order__state"):
        report.closed.append({"order_no": order_no, "reason": f"京东订单已是 {state}"})
    moved.update(state=State.CLOSED, last_error="京东订单状态已变化，不再回传 (JD state moved on)", next_attempt_at=None)
    reports.filter(state=State.CLOSED, order__jd_order__state__in=opts.report_states).update(
        state=State.PENDING, last_error="", next_attempt_at=now)


def _due(sync: JdOrderSync, now: datetime) -> list[int]:
    waiting = Q(state__in=(State.PENDING, State.FAILED), next_attempt_at__lte=now)
    cut_off = Q(state=State.SENDING, last_attempt_at__lt=now - STALE_SENDING)
    return list(JdShipmentReport.objects.filter(waiting | cut_off, order__jd_order__sync=sync)
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True))


def _claim(pk: int, now: datetime) -> JdShipmentReport | None:
    """Mark the report sending (one process wins); the report, or None if another took it."""
    cut_off = Q(state=State.SENDING, last_attempt_at__lt=now - STALE_SENDING)
    claimable = Q(state__in=(State.PENDING, State.FAILED)) | cut_off
    rows = JdShipmentReport.objects.filter(claimable, pk=pk)
    if not rows.update(state=State.SENDING, last_attempt_at=now):
        return None
    return JdShipmentReport.objects.select_related("order").get(pk=pk)


def _finish(row: JdShipmentReport, now: datetime, error: str, sent: tuple[str, str] = ("", "")) -> None:
    row.attempts += 1
    row.logistics_ids, row.waybills = sent
    if error:
        row.state, row.last_error, row.next_attempt_at = State.FAILED, error, now + retry_delay(row.attempts)
    else:
        row.state, row.last_error, row.next_attempt_at, row.accepted_at = State.ACCEPTED, "", None, now
    row.save(update_fields=["attempts", "logistics_ids", "waybills", "state", "last_error", "next_attempt_at",
                            "accepted_at"])


def _send(api: JdOrderApi, opts: SyncOptions, row: JdShipmentReport, now: datetime, report: ShipmentsReport) -> None:
    parcels = list(Package.objects.filter(order=row.order, shipped_at__isnull=False, waybill_no__isnull=False)
                   .order_by("sequence").values_list("carrier", "waybill_no"))
    try:
        sent = shipment_fields(parcels, opts.logistics_ids)
    except ValueError as error:
        _finish(row, now, str(error))
        report.failed.append({"order_no": row.order.order_no, "error": str(error)})
        return
    try:
        refusal = api.ship(row.order.order_no, *sent)
    except CarrierError as error:
        _finish(row, now, str(error), sent)
        raise
    _finish(row, now, refusal, sent)
    if refusal:
        report.failed.append({"order_no": row.order.order_no, "error": refusal})
    else:
        report.accepted.append(row.order.order_no)


def report_shipments(sync: JdOrderSync) -> ShipmentsReport:
    """Queue, close and send this shop's due shipment reports. A gateway or network error stops
    the run (it concerns every order of the shop) and is the report's ``error``."""
    report = ShipmentsReport(shop=sync.shop.name)
    now = clock.now()
    try:
        opts = options(sync.settings)
        _queue_new(sync, opts, now)
        _follow_jd_state(sync, opts, now, report)
        due = _due(sync, now)
        if not due:
            return report
        with order_api(sync.settings, opts) as api:
            for pk in due:
                row = _claim(pk, now)
                if row is not None:
                    _send(api, opts, row, now, report)
    except CarrierError as error:
        report.error = str(error)
    return report
