"""Reading the exception queue: the list with filters, one exception's detail, the daily digest."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.timezone import localtime
from django.utils.translation import gettext_noop

from yundan import clock
from yundan.exceptions.kinds import CLOSED_STATES, ExceptionKind, ExceptionState
from yundan.exceptions.models import ExceptionLogEntry, ParcelException
from yundan.orders.details import iso_time

# Chinese labels (the digest and the CLI print them as they are); marked for the catalog: the 看板 translates them.
AGE_BUCKETS = ((24, gettext_noop("24小时内")), (72, gettext_noop("1-3天")), (168, gettext_noop("3-7天")),
               (None, gettext_noop("7天以上")))
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([dh天时]|小时)")


def parse_age(text: str) -> timedelta:
    """``2d``, ``36h``, ``3天``, ``12小时`` → a timedelta (for ``--older-than``)."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise ValueError(f"时长「{text}」应写成 2d、36h、3天 或 12小时 (expected e.g. 2d or 36h)")
    amount, unit = float(match.group(1)), match.group(2)
    return timedelta(days=amount) if unit in ("d", "天") else timedelta(hours=amount)


def queue(kind: str = "", state: str = "", older_than: timedelta | None = None,
          unfinished: bool = False) -> QuerySet:
    """Exceptions oldest first, with what the list shows (order, waybill, last action)."""
    if kind and kind not in ExceptionKind.values:
        raise ValueError(f"未知的异常类型「{kind}」，可选：{'、'.join(ExceptionKind.values)}")
    if state and state not in ExceptionState.values:
        raise ValueError(f"未知的异常状态「{state}」，可选：{'、'.join(ExceptionState.values)}")
    last = ExceptionLogEntry.objects.filter(exception=OuterRef("pk")).order_by("-at", "-id")
    rows = ParcelException.objects.select_related("package__order").annotate(
        last_action=Subquery(last.values("action")[:1]), last_action_at=Subquery(last.values("at")[:1]),
    ).order_by("opened_at", "id")
    if kind:
        rows = rows.filter(kind=kind)
    if state:
        rows = rows.filter(state=state)
    elif unfinished:
        rows = rows.exclude(state__in=sorted(CLOSED_STATES))
    if older_than is not None:
        rows = rows.filter(opened_at__lte=clock.now() - older_than)
    return rows


def age_hours(exception: ParcelException, now: datetime) -> float:
    end = exception.closed_at or now
    return round((end - exception.opened_at).total_seconds() / 3600, 1)


def list_row(exception: ParcelException, now: datetime) -> dict:
    return {
        "id": exception.pk,
        "kind": exception.kind,
        "state": exception.state,
        "order_no": exception.package.order.order_no,
        "waybill_no": exception.package.waybill_no,
        "opened_at": iso_time(exception.opened_at),
        "age_hours": age_hours(exception, now),
        "last_action": getattr(exception, "last_action", None) or "",
    }


def bucket(hours: float) -> str:
    return next(label for limit, label in AGE_BUCKETS if limit is None or hours < limit)


@dataclass
class Digest:
    since: datetime
    new: list[ParcelException]
    unfinished: list[ParcelException]  # oldest first
    by_kind: Counter
    by_age: Counter


def digest() -> Digest:
    """What a merchant checks every morning: new since yesterday, and every unfinished one."""
    now = clock.now()
    since = datetime.combine(localtime(now).date() - timedelta(days=1), time(0), tzinfo=localtime(now).tzinfo)
    unfinished = list(queue(unfinished=True))
    return Digest(
        since=since,
        new=list(queue().filter(opened_at__gte=since)),
        unfinished=unfinished,
        by_kind=Counter(e.kind for e in unfinished),
        by_age=Counter(bucket(age_hours(e, now)) for e in unfinished),
    )
