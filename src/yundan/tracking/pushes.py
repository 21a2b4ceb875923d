"""What a carrier's push does to a package: store the events, then poll it only as a fallback."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from yundan import clock
from yundan.carriers.base import TraceResult
from yundan.shipping.models import Package
from yundan.tracking.ingest import ingest
from yundan.tracking.schedule import Limits, Policy, next_refresh
from yundan.tracking.services import checks_of, last_change_of


@dataclass(frozen=True)
class PushOutcome:
    known: bool  # the waybill is one of our shipped packages
    new_events: int = 0


def _package(waybill_no: str, courier: str) -> Package | None:
    packages = Package.objects.filter(waybill_no=waybill_no, shipped_at__isnull=False)
    if courier:
        packages = packages.filter(carrier=courier) or packages
    return packages.order_by("-shipped_at").first()


def accept_push(result: TraceResult, source: str, *, courier: str = "", subscribed: bool = True,
                stale: bool = False) -> PushOutcome:
    """Store a pushed trace (the full trace again is fine) and schedule the fallback poll.

    ``subscribed=False``: the carrier stopped pushing this waybill, so polling takes over again;
    ``stale``: the carrier saw no change for so long that it gave up — so do we.
    """
    package = _package(result.waybill_no, courier)
    if package is None:
        return PushOutcome(known=False)
    now = clock.now()
    done = ingest([(package.pk, result.events)], source)[package.pk]
    package.subscribed_at = (package.subscribed_at or now) if subscribed else None
    summary = done.summary
    last_change = last_change_of(package, summary)
    if stale:
        package.next_refresh_at, package.retired_at = None, package.retired_at or now
    else:
        # A push is not a query: the carrier's query limits are untouched, the fallback poll waits.
        package.next_refresh_at = next_refresh(
            summary.status, now=now, last_change=last_change, subscribed=package.subscribed_at is not None,
            checks=checks_of(package), limits=Limits(), policy=Policy.from_settings(settings),
        )
    package.save(update_fields=["subscribed_at", "next_refresh_at", "retired_at", "updated_at"])
    return PushOutcome(known=True, new_events=done.new_events)
