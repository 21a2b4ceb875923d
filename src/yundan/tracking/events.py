"""Plain rules over tracking events: identity and a package's summary."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from yundan.carriers.base import TraceEvent
from yundan.tracking.statuses import TrackingStatus, is_terminal


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


PENDING_SUMMARY = PackageSummary(TrackingStatus.PENDING, None, "")


def _summary_of(event: TraceEvent) -> PackageSummary:
    return PackageSummary(event.status, event.time, event.raw_text)


def summarize(events: Iterable[TraceEvent]) -> PackageSummary:
    """The package's status is that of its latest event (never kept sticky) — up to the first
    terminal event: what comes after a delivery, a return or a loss does not reopen the package
    (see ``after_terminal``)."""
    summary = PENDING_SUMMARY
    for event in sorted(events, key=lambda e: e.time):
        if is_terminal(summary.status) and summary.last_event_at is not None:
            break
        summary = _summary_of(event)
    return summary


def after_terminal(events: Iterable[TraceEvent]) -> list[TraceEvent]:
    """Events later than the package's first terminal event: kept, and flagged 签收异常."""
    ordered = sorted(events, key=lambda e: e.time)
    ended = next((e.time for e in ordered if is_terminal(e.status)), None)
    return [e for e in ordered if ended is not None and e.time > ended]


@dataclass
class Advance:
    summary: PackageSummary
    flagged: list[TraceEvent] = field(default_factory=list)  # new events after the terminal one
    # A new terminal event older than events already stored: only a full recount can say which
    # stored events now come after it.
    needs_recount: bool = False


def advance(summary: PackageSummary, new_events: Iterable[TraceEvent]) -> Advance:
    """The summary after ``new_events`` arrive, from the stored summary alone (no reading of the
    stored events), as ``summarize`` over all events would give it."""
    result = Advance(summary)
    for event in sorted(new_events, key=lambda e: e.time):
        current = result.summary
        if current.last_event_at is None:
            result.summary = _summary_of(event)
        elif is_terminal(current.status):
            if event.time > current.last_event_at:
                result.flagged.append(event)
            elif is_terminal(event.status) and event.time < current.last_event_at:
                result.needs_recount = True
        elif event.time >= current.last_event_at:
            result.summary = _summary_of(event)
        elif is_terminal(event.status):
            result.needs_recount = True
    return result
