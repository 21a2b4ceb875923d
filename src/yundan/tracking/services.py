"""Refreshing packages from their carriers, subscribing them to pushes, and scheduling the next ask.

Plain services: the ``track``/``tracking refresh`` commands, the batch query and the background
worker all call these; the worker only decides when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils.timezone import localtime

from yundan import clock
from yundan.carriers.accounts import carrier_for
from yundan.carriers.base import Carrier, CarrierError, TraceQuery
from yundan.shipping.models import Package
from yundan.tracking.events import PackageSummary
from yundan.tracking.ingest import Ingested, ingest
from yundan.tracking.schedule import Checks, Limits, Policy, earliest_allowed, is_retired, next_refresh

# Queries handed to a carrier adapter at once (progress is reported between slices): large enough
# that the adapter's concurrent requests stay busy to the end of the slice.
SLICE = 1000
# A claimed package is not claimed again for this long, so a dead worker's packages come back.
CLAIM_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class RefreshOutcome:
    package: Package
    new_events: int
    found: bool
    error: str = ""


def trace_query(package: Package) -> TraceQuery:
    order = package.order
    return TraceQuery(
        waybill_no=package.waybill_no,
        origin=order.shop.origin_address,
        destination=order.destination_address,
        shipped_at=package.shipped_at,
        phone_last4=order.receiver_phone_last4,
        carrier=package.carrier,
        return_requested_at=package.return_requested_at,
    )


def limits_of(carrier: Carrier) -> Limits:
    return Limits(getattr(carrier, "min_interval", timedelta(0)), getattr(carrier, "daily_limit", 0))


def checks_of(package: Package) -> Checks:
    return Checks(package.last_checked_at, package.checks_window_start, package.checks_in_window)


def last_change_of(package: Package, summary: PackageSummary) -> datetime | None:
    """When the package last changed: its latest event, or its shipment if it has none yet."""
    return max(filter(None, (summary.last_event_at, package.shipped_at)), default=None)


def _schedule(package: Package, summary: PackageSummary, now: datetime, checks: Checks, limits: Limits,
              policy: Policy) -> None:
    """Set the package's schedule fields in memory (saved in bulk by the caller)."""
    package.status, package.last_event_at, package.last_event_text = (
        summary.status, summary.last_event_at, summary.last_event_text
    )
    last_change = last_change_of(package, summary)
    package.last_checked_at, package.checks_window_start, package.checks_in_window = (
        checks.last_at, checks.window_start, checks.in_window
    )
    package.next_refresh_at = next_refresh(
        summary.status, now=now, last_change=last_change, subscribed=package.subscribed_at is not None,
        checks=checks, limits=limits, policy=policy,
    )
    if package.next_refresh_at is None and is_retired(now, last_change, policy) and package.retired_at is None:
        package.retired_at = now


_SAVE_SCHEDULE = (
    "UPDATE shipping_package SET last_checked_at = %s, checks_window_start = %s, checks_in_window = %s, "
    "next_refresh_at = %s, retired_at = %s WHERE id = %s"
)


def _save_schedules(packages: list[Package]) -> None:
    """The schedule fields of many packages in one statement (the ORM's bulk_update costs more
    than the whole ingest)."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(_SAVE_SCHEDULE, [
            (adapt(p.last_checked_at), adapt(p.checks_window_start), p.checks_in_window, adapt(p.next_refresh_at),
             adapt(p.retired_at), p.pk)
            for p in packages
        ])


def _current(package: Package) -> PackageSummary:
    return PackageSummary(package.status, package.last_event_at, package.last_event_text)


@dataclass
class _Slice:
    """Up to ``SLICE`` packages of one carrier: those the carrier's limits let us ask about now, and
    the outcomes of those it doesn't."""

    asked: list[Package]
    outcomes: list[RefreshOutcome]


def _plan(carrier: Carrier, packages: list[Package], now: datetime) -> _Slice:
    limits = limits_of(carrier)
    part = _Slice([], [])
    for package in packages:
        allowed = earliest_allowed(checks_of(package), limits)
        if allowed is not None and allowed > now:
            package.next_refresh_at = allowed
            part.outcomes.append(RefreshOutcome(
                package, 0, True, f"{carrier.name} 限制查询频率，{localtime(allowed):%m-%d %H:%M} 后再查 (rate limited)"
            ))
        else:
            part.asked.append(package)
    return part


def _fetch(carrier: Carrier, part: _Slice) -> dict | CarrierError:
    """The carrier's answers for the slice (no database work: it runs beside the storing)."""
    try:
        return carrier.fetch_traces([trace_query(p) for p in part.asked]) if part.asked else {}
    except CarrierError as error:
        return error


def _store(carrier: Carrier, part: _Slice, results: dict | CarrierError, now: datetime,
           policy: Policy) -> list[RefreshOutcome]:
    outcomes = part.outcomes
    if isinstance(results, CarrierError):
        outcomes.extend(RefreshOutcome(p, 0, False, str(results)) for p in part.asked)
        _save_schedules([o.package for o in outcomes])
        return outcomes
    limits = limits_of(carrier)
    stored = ingest(((p.pk, results[p.waybill_no].events) for p in part.asked if p.waybill_no in results),
                    carrier.code)
    for package in part.asked:
        result = results.get(package.waybill_no)
        done = stored.get(package.pk) or Ingested(0, _current(package), False)
        _schedule(package, done.summary, now, checks_of(package).after_one_more(now), limits, policy)
        if result is None:
            outcomes.append(RefreshOutcome(package, 0, False, f"{carrier.name} 没有返回这个运单 (no answer)"))
        else:
            outcomes.append(RefreshOutcome(package, done.new_events, result.found, result.error))
    _save_schedules([o.package for o in outcomes])
    return outcomes


def _refresh_group(carrier: Carrier, group: list[Package], now: datetime, policy: Policy,
                   progress: Callable[[int], None] | None) -> list[RefreshOutcome]:
    """Slice by slice; the next slice's carrier calls run in a thread while this slice is stored,
    so the network wait hides the database work."""
    parts = [_plan(carrier, group[start:start + SLICE], now) for start in range(0, len(group), SLICE)]
    outcomes: list[RefreshOutcome] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-ahead") as ahead:
        fetching = ahead.submit(_fetch, carrier, parts[0])
        for index, part in enumerate(parts):
            results = fetching.result()
            if index + 1 < len(parts):
                fetching = ahead.submit(_fetch, carrier, parts[index + 1])
            outcomes.extend(_store(carrier, part, results, now, policy))
            if progress:
                progress(len(part.asked) + len(part.outcomes))
    return outcomes


def refresh_packages(packages: Sequence[Package], progress: Callable[[int], None] | None = None) -> list[RefreshOutcome]:
    """Ask each package's carrier for its trace, store what is new and schedule the next ask.

    Only shipped packages are tracked: a printed but unconfirmed waybill has no trace yet. One
    carrier (or account) failing never stops the others: its packages get the error.
    """
    policy = Policy.from_settings(settings)
    now = clock.now()
    groups: dict[tuple[int, str], list[Package]] = defaultdict(list)
    for package in packages:
        if package.shipped_at and package.waybill_no:
            groups[(package.order.shop_id, package.carrier)].append(package)
    outcomes: list[RefreshOutcome] = []
    for (shop_id, courier), group in groups.items():
        try:
            carrier = carrier_for(shop_id, courier)
        except CarrierError as error:
            outcomes.extend(RefreshOutcome(p, 0, False, str(error)) for p in group)
            if progress:
                progress(len(group))
            continue
        outcomes.extend(_refresh_group(carrier, group, now, policy, progress))
    return outcomes


def _for_tracking(queryset):
    return queryset.select_related("order__shop")


def _claim(limit: int) -> tuple[list[int], datetime]:
    """Take up to ``limit`` due packages and push their next refresh out to the end of a lease, so
    another worker claiming at the same time takes others, and a worker that dies gives them back.
    The lease's end is the claim's token: every package of one claim gets the same one."""
    now = clock.now()
    until = now + CLAIM_LEASE
    with transaction.atomic():
        due = Package.objects.filter(next_refresh_at__lte=now, shipped_at__isnull=False).order_by("next_refresh_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        Package.objects.filter(pk__in=ids).update(next_refresh_at=until)
    return ids, until


def claim_due(limit: int) -> list[Package]:
    """Claim up to ``limit`` due packages (see ``_claim``) and load them for refreshing."""
    ids, _ = _claim(limit)
    return list(_for_tracking(Package.objects.filter(pk__in=ids)).order_by("pk"))


@dataclass(frozen=True)
class Claim:
    """Claimed packages handed to one run: the ids and the end of their lease."""

    package_ids: list[int]
    until: datetime


def claim_due_runs(limit: int, run_size: int) -> list[Claim]:
    """Claim up to ``limit`` due packages and cut them into runs of at most ``run_size``, each of
    one shop's carrier where possible (so a carrier that takes many waybills per call gets full
    calls). The worker queues one task per run, and every worker takes runs."""
    ids, until = _claim(limit)
    keyed = Package.objects.filter(pk__in=ids).values_list("order__shop_id", "carrier", "pk")
    ordered = [pk for *_, pk in sorted(keyed)]
    return [Claim(ordered[start:start + run_size], until) for start in range(0, len(ordered), run_size)]


def refresh_claimed(claim: Claim) -> list[RefreshOutcome]:
    """Refresh the packages of a claim that are still held by it. A package whose lease ran out
    and was claimed again, or whose next refresh was set since (a push came, a run already done
    is run again), has another ``next_refresh_at`` and is left to whoever holds it now."""
    held = Package.objects.filter(pk__in=claim.package_ids, next_refresh_at=claim.until)
    return refresh_packages(list(_for_tracking(held).order_by("pk")))


def refresh_due(limit: int | None = None, progress: Callable[[int], None] | None = None) -> list[RefreshOutcome]:
    """Refresh the packages whose next refresh has come, in this process."""
    return refresh_packages(claim_due(limit or settings.YUNDAN_REFRESH_BATCH), progress)


def subscribe_packages(packages: Iterable[Package]) -> dict[int, str]:
    """Ask each package's carrier to push its updates; package id → "" (subscribed) or why not.

    Carriers without push answer nothing, and those packages simply stay on polling."""
    groups: dict[tuple[int, str], list[Package]] = defaultdict(list)
    for package in packages:
        if package.shipped_at and package.waybill_no and package.subscribed_at is None:
            groups[(package.order.shop_id, package.carrier)].append(package)
    now = clock.now()
    answers: dict[int, str] = {}
    for (shop_id, courier), group in groups.items():
        try:
            carrier = carrier_for(shop_id, courier)
            replies = carrier.subscribe([trace_query(p) for p in group])
        except CarrierError as error:
            answers.update((p.pk, str(error)) for p in group)
            continue
        accepted = [p.pk for p in group if replies.get(p.waybill_no) == ""]
        Package.objects.filter(pk__in=accepted).update(subscribed_at=now)
        answers.update((p.pk, replies[p.waybill_no]) for p in group if p.waybill_no in replies)
    return answers


def subscribe_by_ids(ids: Iterable[int]) -> dict[int, str]:
    ids = iter(ids)
    answers: dict[int, str] = {}
    while chunk := list(islice(ids, 500)):
        answers.update(subscribe_packages(_for_tracking(Package.objects.filter(pk__in=chunk))))
    return answers
