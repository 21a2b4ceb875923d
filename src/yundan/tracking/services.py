"""Storing carrier events and refreshing packages from their carriers."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from yundan import clock
from yundan.carriers.base import CarrierError, TraceEvent, TraceQuery
from yundan.carriers.registry import get_carrier
from yundan.shipping.models import Package
from yundan.tracking.events import content_hash
from yundan.tracking.models import TrackingEvent
from yundan.tracking.statuses import TrackingStatus, is_terminal

# How soon a live package is asked again. The tracking issue replaces this with per-carrier limits.
REFRESH_INTERVAL = timedelta(hours=2)


@dataclass(frozen=True)
class RefreshOutcome:
    package: Package
    new_events: int
    found: bool
    error: str = ""


def event_row(package: Package, event: TraceEvent, source: str) -> TrackingEvent:
    return TrackingEvent(
        package=package,
        time=event.time,
        status=event.status,
        raw_code=event.raw_code,
        raw_text=event.raw_text,
        location=event.location,
        courier_name=event.courier_name,
        courier_phone=event.courier_phone,
        source=source,
        content_hash=content_hash(event),
    )


def store_events(package: Package, events: Iterable[TraceEvent], source: str) -> int:
    """Store the events not stored yet; return how many were new. Safe to call again."""
    known = set(package.events.values_list("content_hash", flat=True))
    fresh: dict[str, TrackingEvent] = {}
    for event in events:
        row = event_row(package, event, source)
        if row.content_hash not in known:
            fresh.setdefault(row.content_hash, row)
    # ignore_conflicts: another process may store the same event between our read and write.
    TrackingEvent.objects.bulk_create(fresh.values(), ignore_conflicts=True)
    return len(fresh)


def update_summary(package: Package) -> None:
    """Status, last event and next refresh follow the latest stored event."""
    latest = package.events.order_by("-time", "-id").first()
    if latest is None:
        package.status, package.last_event_at, package.last_event_text = TrackingStatus.PENDING, None, ""
    else:
        package.status, package.last_event_at = latest.status, latest.time
        package.last_event_text = latest.raw_text
    package.next_refresh_at = None if is_terminal(package.status) else clock.now() + REFRESH_INTERVAL
    package.save(update_fields=["status", "last_event_at", "last_event_text", "next_refresh_at", "updated_at"])


def trace_query(package: Package) -> TraceQuery:
    order = package.order
    return TraceQuery(
        waybill_no=package.waybill_no,
        origin=order.shop.origin_address,
        destination=order.destination_address,
        shipped_at=package.shipped_at,
        phone_last4=order.receiver_phone_last4,
    )


def refresh_packages(packages: Sequence[Package]) -> list[RefreshOutcome]:
    """Ask each package's carrier for its trace and store what is new.

    Only shipped packages are tracked: a printed but unconfirmed waybill has no trace yet.
    """
    by_carrier: dict[str, list[Package]] = defaultdict(list)
    for package in packages:
        if package.shipped_at and package.waybill_no:
            by_carrier[package.carrier].append(package)
    outcomes = []
    for carrier_code, group in by_carrier.items():
        try:
            results = get_carrier(carrier_code).fetch_traces([trace_query(p) for p in group])
        except CarrierError as error:
            outcomes.extend(RefreshOutcome(p, 0, False, str(error)) for p in group)
            continue
        for package in group:
            result = results[package.waybill_no]
            with transaction.atomic():
                new = store_events(package, result.events, source=carrier_code)
                update_summary(package)
            outcomes.append(RefreshOutcome(package, new, result.found, result.error))
    return outcomes
