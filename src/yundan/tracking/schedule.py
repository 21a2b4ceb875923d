"""When to ask a carrier about a package again: by its status, its age, and the carrier's limits.

Plain functions over plain values; the refresh service and the push endpoint apply them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from yundan.tracking.statuses import TrackingStatus as S
from yundan.tracking.statuses import is_terminal

# Minutes between polls by status (YUNDAN_REFRESH_MINUTES overrides any of them).
DEFAULT_INTERVAL_MINUTES: dict[str, int] = {
    S.PENDING: 120,  # awaiting pickup
    S.PICKED_UP: 240,
    S.IN_TRANSIT: 240,
    S.OUT_FOR_DELIVERY: 60,
    S.AWAITING_PICKUP: 240,
    S.DELIVERY_FAILED: 120,
    S.REJECTED: 240,
    S.RETURNING: 240,
    S.EXCEPTION: 240,
}


@dataclass(frozen=True)
class Policy:
    intervals: Mapping[str, timedelta]
    retire_after: timedelta  # no change for this long: stop polling, a lost candidate
    subscribed_interval: timedelta  # polling fallback for a package the carrier pushes

    @classmethod
    def from_settings(cls, settings) -> Policy:
        minutes = DEFAULT_INTERVAL_MINUTES | dict(settings.YUNDAN_REFRESH_MINUTES)
        return cls(
            intervals={status: timedelta(minutes=m) for status, m in minutes.items()},
            retire_after=timedelta(days=settings.YUNDAN_RETIRE_DAYS),
            subscribed_interval=timedelta(minutes=settings.YUNDAN_SUBSCRIBED_REFRESH_MINUTES),
        )


@dataclass(frozen=True)
class Limits:
    """A carrier's per-waybill query limits (Kuaidi100: 30 minutes apart, 48 a day)."""

    min_interval: timedelta = timedelta(0)
    daily_limit: int = 0  # 0 = none


@dataclass(frozen=True)
class Checks:
    """How often the carrier was asked about a package: the last time, and the current 24-hour window."""

    last_at: datetime | None = None
    window_start: datetime | None = None
    in_window: int = 0

    def after_one_more(self, now: datetime) -> Checks:
        if self.window_start is None or now - self.window_start >= timedelta(days=1):
            return Checks(now, now, 1)
        return Checks(now, self.window_start, self.in_window + 1)


def earliest_allowed(checks: Checks, limits: Limits) -> datetime | None:
    """The first moment the carrier may be asked again without breaking its limits (None: now)."""
    moments = []
    if checks.last_at is not None and limits.min_interval:
        moments.append(checks.last_at + limits.min_interval)
    if limits.daily_limit and checks.window_start is not None and checks.in_window >= limits.daily_limit:
        moments.append(checks.window_start + timedelta(days=1))
    return max(moments, default=None)


def is_retired(now: datetime, last_change: datetime | None, policy: Policy) -> bool:
    return last_change is not None and now - last_change >= policy.retire_after


def next_refresh(status: str, *, now: datetime, last_change: datetime | None, subscribed: bool,
                 checks: Checks, limits: Limits, policy: Policy) -> datetime | None:
    """None when polling stops: a terminal status, or no change for ``retire_after``."""
    if is_terminal(status) or is_retired(now, last_change, policy):
        return None
    interval = policy.subscribed_interval if subscribed else policy.intervals.get(status, policy.intervals[S.IN_TRANSIT])
    due = now + interval
    allowed = earliest_allowed(checks, limits)
    return max(due, allowed) if allowed else due
