"""Plain rules over tracking events: identity and a package's summary."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from yundan.carriers.base import TraceEvent
from yundan.tracking.statuses import TrackingStatus


def content_hash(event: TraceEvent) -> str:
    """What makes two events the same: the instant, the raw code, the text and the place.

    The source is left out on purpose, so an event seen by poll and again by push is one event.
    """
    instant = event.time.astimezone(UTC).isoformat(timespec="seconds")
    key = "\x1f".join((instant, event.raw_code.strip(), event.raw_text.strip(), event.location.strip()))
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class PackageSummary:
    status: str
    last_event_at: datetime | None
    last_event_text: str


def summarize(events: Iterable[TraceEvent]) -> PackageSummary:
    """The package's status is that of its latest event (never kept sticky)."""
    latest = max(events, key=lambda e: e.time, default=None)
    if latest is None:
        return PackageSummary(TrackingStatus.PENDING, None, "")
    return PackageSummary(latest.status, latest.time, latest.raw_text)
