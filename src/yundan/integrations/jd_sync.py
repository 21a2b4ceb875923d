"""Pulling a shop's JD orders: time windows by modification time, pages, a watermark.

Why it is built this way:

* JD advises rolling time windows over deep paging, and a window may span at most one month
  (reference §2.1), so the time since the watermark is cut into windows of ``window_hours``; a
  window deeper than ``max_pages`` is halved until it is not.
* The watermark (``JdOrderSync.synced_until``) moves to a window's end only once every page of it
  is stored, and never backwards. A crash or a JD error mid-window leaves it before that window,
  and the next run reads the window again (storing is idempotent).
* Each run starts ``overlap_minutes`` before the watermark, for orders whose modification JD
  shows in search a little late.
* An order modified while its window is being paged moves out of the window (its ``modified`` is
  now later), shifting the later pages by one: the order that slid onto an already-read page would
  be missed. The window's ``orderTotal`` then differs between pages, so the window is read again
  from page 1; the moved order itself is in a later window.
* An order whose JD ``modified`` is not newer than the one stored is skipped, so rereading the
  overlap changes nothing (and does not stir ``updated_at``, which ERPs and webhooks watch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.timezone import localtime

from yundan import clock
from yundan.carriers.base import CarrierError
from yundan.integrations.jd_api import JdOrderApi, order_api
from yundan.integrations.jd_orders import PulledOrder, RejectedOrder, pulled_order, rejection_reason
from yundan.integrations.jd_settings import SyncOptions, options
from yundan.integrations.models import JdOrder, JdOrderRejection, JdOrderSync
from yundan.orders.details import iso_time
from yundan.orders.models import Order
from yundan.orders.upsert import REJECTED, upsert_order

MIN_WINDOW = timedelta(minutes=1)  # a window this short is never split further
READS_PER_WINDOW = 3  # a window still changing after this many reads fails the run
LEASE = timedelta(hours=1)  # a run that crashed holds its shop at most this long


@dataclass
class SyncReport:
    shop: str
    start: datetime | None = None  # the first window's start
    watermark: datetime | None = None  # after the run
    windows: int = 0
    pages: int = 0
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)  # order_no, reason
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self) | {"start": iso_time(self.start), "watermark": iso_time(self.watermark)}


class WindowUnstable(CarrierError):
    pass


def windows(start: datetime, end: datetime, length: timedelta) -> list[tuple[datetime, datetime]]:
    """``[start, end]`` cut into consecutive windows of at most ``length``."""
    cuts = []
    while start < end:
        cuts.append((start, min(start + length, end)))
        start = cuts[-1][1]
    return cuts


def _halves(start: datetime, end: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    middle = (start + (end - start) / 2).replace(microsecond=0)
    return (start, middle), (middle, end)


class ShopSync:
    """One run over one shop."""

    def __init__(self, sync: JdOrderSync, opts: SyncOptions, api: JdOrderApi, report: SyncReport,
                 progress: Callable[[str, dict], None] | None = None):
        self.sync, self.opts, self.api, self.report = sync, opts, api, report
        self._progress = progress or (lambda event, data: None)

    def run(self, start: datetime, end: datetime) -> None:
        cuts = windows(start, end, self.opts.window)
        self._progress("windows", {"count": len(cuts)})
        for window_start, window_end in cuts:
            self.pull_window(window_start, window_end)
            self._progress("window", {"start": window_start, "end": window_end})

    def pull_window(self, start: datetime, end: datetime) -> None:
        for _ in range(READS_PER_WINDOW):
            first = self.api.search(start, end, 1)
            self.report.pages += 1
            pages = -(-first.total // self.opts.page_size)
            if pages > self.opts.max_pages and end - start > MIN_WINDOW:
                for half in _halves(start, end):
                    self.pull_window(*half)
                return
            if self._read_pages(start, end, first.total, first.orders, pages):
                self.report.windows += 1
                self._advance(end)
                return
        raise WindowUnstable(
            f"{localtime(start):%Y-%m-%d %H:%M}–{localtime(end):%H:%M} 的订单在读取期间一直在变，下次再试"
            " (window kept changing)"
        )

    def _read_pages(self, start: datetime, end: datetime, total: int, orders: list, pages: int) -> bool:
        """Store page 1 (given) and the rest; False when the window changed while being read."""
        self.store(orders)
        for page in range(2, pages + 1):
            answer = self.api.search(start, end, page)
            self.report.pages += 1
            if answer.total != total:
                return False
            self.store(answer.orders)
        return True

    def _advance(self, end: datetime) -> None:
        JdOrderSync.objects.filter(pk=self.sync.pk).filter(
            Q(synced_until=None) | Q(synced_until__lt=end)
        ).update(synced_until=end)

    def store(self, infos: Sequence) -> None:
        """Store one page: each order in its own transaction with its JD record."""
        self.report.fetched += len(infos)
        pulled: dict[str, PulledOrder] = {}
        for info in infos:
            try:
                order = pulled_order(info)
            except RejectedOrder as rejection:
                self._reject(rejection.order_no, rejection.reason, rejection.modified)
                continue
            if order.order_no not in pulled or pulled[order.order_no].modified < order.modified:
                pulled[order.order_no] = order
        records = JdOrder.objects.filter(order__shop=self.sync.shop_id, order__order_no__in=list(pulled))
        links = {no: (pk, modified) for no, pk, modified in records.values_list("order__order_no", "pk", "modified")}
        rejected = set(JdOrderRejection.objects.filter(sync=self.sync, order_no__in=list(pulled))
                       .values_list("order_no", flat=True))
        for order_no, order in pulled.items():
            link, stored_modified = links.get(order_no, (None, None))
            if stored_modified is not None and stored_modified >= order.modified:
                self.report.unchanged += 1
            else:
                self._store_one(order, link, order_no in rejected)

    def _store_one(self, pulled: PulledOrder, link: int | None, was_rejected: bool) -> None:
        """The order and its JD record together, in one transaction."""
        with transaction.atomic():
            result = upsert_order(self.sync.shop, pulled.order)
            if result.outcome == REJECTED:
                self._reject(pulled.order_no, rejection_reason(result.errors), pulled.modified)
                return
            jd_facts = {"sync": self.sync, "state": pulled.state, "modified": pulled.modified,
                        "waybill": pulled.waybill, "logistics_id": pulled.logistics_id, "synced_at": clock.now()}
            if link is not None:
                JdOrder.objects.filter(pk=link).update(**jd_facts)
            else:
                order = Order.objects.filter(shop=self.sync.shop_id, order_no=result.order_no)
                JdOrder.objects.create(order_id=order.values_list("pk", flat=True)[0], **jd_facts)
            if was_rejected:
                JdOrderRejection.objects.filter(sync=self.sync, order_no=pulled.order_no).delete()
        setattr(self.report, result.outcome, getattr(self.report, result.outcome) + 1)
        self.report.warnings += result.warnings

    def _reject(self, order_no: str, reason: str, modified: datetime | None) -> None:
        self.report.rejected.append({"order_no": order_no, "reason": reason})
        JdOrderRejection.objects.update_or_create(
            sync=self.sync, order_no=order_no[:64],
            defaults={"reason": reason, "modified": modified, "seen_at": clock.now()},
        )


def _claim(sync: JdOrderSync, now: datetime) -> bool:
    free = Q(running_since=None) | Q(running_since__lt=now - LEASE)
    return JdOrderSync.objects.filter(free, pk=sync.pk).update(running_since=now) == 1


def sync_orders(sync: JdOrderSync, *, since: datetime | None = None,
                progress: Callable[[str, dict], None] | None = None) -> SyncReport:
    """Pull the shop's orders modified since its watermark (less the overlap), or since ``since``,
    up to now. Errors (credentials, JD refusals, network) end the run and are its ``error``; what
    was stored before stays, and the watermark stays before the window that failed."""
    report = SyncReport(shop=sync.shop.name)
    now = clock.now().replace(microsecond=0)
    if not _claim(sync, now):
        report.error = "该店铺的另一次同步正在进行 (another sync of this shop is running)"
        return report
    try:
        opts = options(sync.settings)
        if since is not None:
            start = since
        elif sync.synced_until is not None:
            start = sync.synced_until - opts.overlap
        else:
            start = now - opts.initial
        report.start = start
        with order_api(sync.settings, opts) as api:
            ShopSync(sync, opts, api, report, progress).run(start, now)
    except CarrierError as error:
        report.error = str(error)
    finally:
        JdOrderSync.objects.filter(pk=sync.pk).update(running_since=None, last_run_at=now, last_error=report.error)
        sync.refresh_from_db()
        report.watermark = sync.synced_until
    return report
