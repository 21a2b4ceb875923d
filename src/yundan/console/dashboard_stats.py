"""The numbers of the 看板 (dashboard): plain functions of one or two aggregate queries each.

Days are the shop's calendar days (``TIME_ZONE``, Asia/Shanghai by default), whatever the
database stores. A package's delivered time is its summary's ``last_event_at`` while its status is
``delivered``: the summary stops at the first terminal event (tracking.events.summarize), so that
is the time of the 签收 event itself.

Percentiles interpolate linearly between the two nearest durations, as Excel's PERCENTILE.INC
does, so a merchant can check them on an export.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from math import floor

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yundan.exceptions.kinds import CLOSED_STATES, ExceptionKind
from yundan.exceptions.models import ParcelException
from yundan.exceptions.queue import AGE_BUCKETS
from yundan.orders.models import Order
from yundan.orders.states import OrderStatus
from yundan.shipping.models import Package
from yundan.tracking.statuses import TrackingStatus

TREND_DAYS = 30
DELIVERY_DAYS = 30  # delivery times of the packages delivered in the last 30 days
PROMISE_HOURS = 48  # "delivered within 48 h"
# Delivery-time bands (hours, upper bound excluded): the histogram's bars.
DELIVERY_BANDS = ((24, _("1天内")), (48, _("1-2天")), (72, _("2-3天")), (96, _("3-4天")), (120, _("4-5天")),
                  (168, _("5-7天")), (None, _("7天以上")))


def quantile(ordered: list[float], share: float) -> float | None:
    """The ``share`` quantile (0–1) of sorted values, interpolated linearly (Excel PERCENTILE.INC);
    None for no values."""
    if not ordered:
        return None
    position = share * (len(ordered) - 1)
    below = floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def band_of(hours: float, bands=DELIVERY_BANDS) -> int:
    """Index of the band ``hours`` falls in (upper bounds excluded, the last band open)."""
    return next(i for i, (limit, _label) in enumerate(bands) if limit is None or hours < limit)


def duration_summary(hours: list[float]) -> dict:
    """Count, median, p90 (hours, one decimal) and the count per delivery band."""
    ordered = sorted(hours)
    bands = [0] * len(DELIVERY_BANDS)
    for value in ordered:
        bands[band_of(value)] += 1

    def rounded(value):
        return None if value is None else round(value, 1)

    return {"count": len(ordered), "median": rounded(quantile(ordered, 0.5)), "p90": rounded(quantile(ordered, 0.9)),
            "bands": bands}


def local_day_start(day, zone=None) -> datetime:
    """Midnight of a calendar day in the shop's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time(0)), zone or timezone.get_default_timezone())


def order_counts() -> dict[str, int]:
    """Orders per order state (every state present, zeros included)."""
    counts = dict(Order.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in OrderStatus.values}


def tracking_counts() -> dict[str, int]:
    """Shipped packages (tracking started) per normalized tracking status, zeros included."""
    counts = dict(Package.objects.filter(shipped_at__isnull=False).order_by().values_list("status")
                  .annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in TrackingStatus.values}


def exceptions_per_day(now: datetime, days: int = TREND_DAYS) -> dict:
    """Exceptions opened and closed on each of the last ``days`` shop days, today included."""
    zone = timezone.get_default_timezone()
    today = timezone.localtime(now, zone).date()
    dates = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    start = local_day_start(dates[0], zone)
    series = {}
    for field in ("opened_at", "closed_at"):
        per_day = dict(ParcelException.objects.filter(**{f"{field}__gte": start}).order_by()
                       .annotate(day=TruncDate(field, tzinfo=zone)).values_list("day").annotate(n=Count("id")))
        series[field] = [per_day.get(day, 0) for day in dates]
    return {"days": [day.isoformat() for day in dates], "opened": series["opened_at"], "closed": series["closed_at"]}


def open_exceptions(now: datetime) -> dict[str, list[int]]:
    """Unfinished exceptions per kind, split into the digest's age bands (exceptions.queue.AGE_BUCKETS):
    ``{kind: [count in band 0, band 1, …]}``, every kind present."""
    bands, lower = {}, None
    for index, (limit, _label) in enumerate(AGE_BUCKETS):
        # age < limit  ⇔  opened after now − limit; age ≥ the previous limit  ⇔  opened at or before now − it.
        condition = Q()
        if limit is not None:
            condition &= Q(opened_at__gt=now - timedelta(hours=limit))
        if lower is not None:
            condition &= Q(opened_at__lte=now - timedelta(hours=lower))
        bands[f"band{index}"] = Count("id", filter=condition)
        lower = limit
    rows = (ParcelException.objects.exclude(state__in=sorted(CLOSED_STATES)).order_by()
            .values("kind").annotate(**bands))
    found = {row["kind"]: [row[f"band{i}"] for i in range(len(AGE_BUCKETS))] for row in rows}
    return {kind: found.get(kind, [0] * len(AGE_BUCKETS)) for kind in ExceptionKind.values}


def delivery_times(now: datetime, days: int = DELIVERY_DAYS) -> dict:
    """Shipped → delivered durations of the packages delivered in the last ``days`` days: overall
    and per destination province (most packages first). A package confirmed as shipped after its
    delivery has no meaningful duration and is left out."""
    since = now - timedelta(days=days)
    rows = (Package.objects.filter(Q(last_event_at__gte=F("shipped_at")), status=TrackingStatus.DELIVERED,
                                   shipped_at__isnull=False, last_event_at__gte=since, last_event_at__lte=now)
            .order_by()
            # The database subtracts: PostgreSQL hands over 86,000 intervals 3× faster than twice the timestamps.
            .annotate(took=ExpressionWrapper(F("last_event_at") - F("shipped_at"), output_field=DurationField()))
            .values_list("order__receiver_province", "took"))
    overall, by_province = [], defaultdict(list)
    for province, took in rows.iterator(chunk_size=10_000):
        hours = took.total_seconds() / 3600
        overall.append(hours)
        by_province[province].append(hours)
    provinces = [{"province": province, **duration_summary(hours)} for province, hours in by_province.items()]
    provinces.sort(key=lambda row: (-row["count"], row["province"]))
    return {"since": since.isoformat(), "until": now.isoformat(), "overall": duration_summary(overall),
            "provinces": provinces}


def delivered_within(now: datetime, days: int = DELIVERY_DAYS, hours: int = PROMISE_HOURS) -> dict:
    """Share of packages delivered within ``hours`` of shipment, per destination province, over the
    packages shipped in the ``days`` days that ended ``hours`` ago (each has had its full ``hours``).
    Packages not delivered, returned or lost count as not within."""
    end = now - timedelta(hours=hours)
    start = end - timedelta(days=days)
    rows = (Package.objects.filter(shipped_at__gte=start, shipped_at__lt=end).order_by()
            .values_list("order__receiver_province")
            .annotate(shipped=Count("id"), within=Count("id", filter=Q(
                status=TrackingStatus.DELIVERED, last_event_at__lte=F("shipped_at") + timedelta(hours=hours)))))
    provinces = [share_row(province, shipped, within) for province, shipped, within in rows]
    provinces.sort(key=lambda row: (-row["shipped"], row["province"]))
    overall = share_row("", sum(r["shipped"] for r in provinces), sum(r["within"] for r in provinces))
    return {"shipped_from": start.isoformat(), "shipped_before": end.isoformat(), "hours": hours, "overall": overall,
            "provinces": provinces}


def share_row(province: str, shipped: int, within: int) -> dict:
    return {"province": province, "shipped": shipped, "within": within,
            "share": round(100 * within / shipped, 1) if shipped else None}


def dashboard_numbers(now: datetime) -> dict:
    """Everything the 看板 shows, as JSON-ready data (codes, not labels: the page labels them in the
    reader's language)."""
    return {
        "orders": order_counts(),
        "tracking": tracking_counts(),
        "exceptions_per_day": exceptions_per_day(now),
        "open_exceptions": open_exceptions(now),
        "delivery_times": delivery_times(now),
        "delivered_within": delivered_within(now),
    }
