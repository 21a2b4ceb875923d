"""When to try a failed delivery again, and when to stop sending to an endpoint: plain rules.

The default schedule follows the Standard Webhooks example, trimmed to about a day: the first try
at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later (8 tries over 27 h 35 min). Each
wait is stretched by up to 10 % at random so that the retries of a burst do not arrive together.
An endpoint is disabled when every try to it has failed for a day (and at least a few times), or
when it answers 410 Gone.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

DEFAULT_SCHEDULE = "5s,5m,30m,2h,5h,10h,10h"
JITTER = 0.1
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """``"5s,5m,30m,2h"`` → the waits before the 2nd, 3rd … try. Raises ValueError naming the bad part."""
    delays = []
    for part in text.replace(" ", "").split(","):
        match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", part)
        if not match or float(match[1]) <= 0:
            raise ValueError(f"YUNDAN_WEBHOOK_RETRY_SCHEDULE: 无法识别「{part}」，应为逗号分隔的时长，如 {DEFAULT_SCHEDULE}")
        delays.append(timedelta(**{_UNITS[match[2]]: float(match[1])}))
    return tuple(delays)


@dataclass(frozen=True)
class RetryPolicy:
    delays: tuple[timedelta, ...] = parse_schedule(DEFAULT_SCHEDULE)
    disable_after: timedelta = timedelta(hours=24)  # a run of failures this long disables the endpoint …
    disable_min_failures: int = 5  # … when it has at least this many failed tries

    @classmethod
    def from_settings(cls, settings) -> RetryPolicy:
        return cls(parse_schedule(settings.YUNDAN_WEBHOOK_RETRY_SCHEDULE or DEFAULT_SCHEDULE),
                   timedelta(hours=settings.YUNDAN_WEBHOOK_DISABLE_AFTER_HOURS),
                   settings.YUNDAN_WEBHOOK_DISABLE_MIN_FAILURES)

    @property
    def tries(self) -> int:
        return len(self.delays) + 1


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a wait; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        return max(parsedate_to_datetime(value) - now, timedelta(0))
    except (TypeError, ValueError):
        return None


def next_attempt(policy: RetryPolicy, failed_tries: int, now: datetime, asked_wait: timedelta | None = None,
                 rand: random.Random | None = None) -> datetime | None:
    """When to try again after the ``failed_tries``-th failed try of this round; None when the
    schedule is used up. A receiver's ``Retry-After`` may lengthen the wait, up to the longest
    wait of the schedule, never shorten it."""
    if failed_tries > len(policy.delays):
        return None
    wait = policy.delays[failed_tries - 1]
    if asked_wait is not None:
        wait = min(max(wait, asked_wait), max(policy.delays))
    return now + wait * (1 + (rand or random).uniform(0, JITTER))


def should_disable(policy: RetryPolicy, failing_since: datetime | None, consecutive_failures: int,
                   now: datetime) -> bool:
    return (failing_since is not None and now - failing_since >= policy.disable_after
            and consecutive_failures >= policy.disable_min_failures)
