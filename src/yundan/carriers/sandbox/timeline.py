"""A forward-only clock that appends simulated scan events (times in Asia/Shanghai)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from yundan.carriers.base import TraceEvent
from yundan.carriers.sandbox.texts import RAW_STATUS

SHANGHAI = ZoneInfo("Asia/Shanghai")

Courier = tuple[str, str]  # (name, mobile)


class Timeline:
    """Appends events while a local (Asia/Shanghai) clock only moves forward."""

    def __init__(self, start: datetime, rng: random.Random):
        self.t, self.rng, self.events = start, rng, []

    def wait(self, low_h: float, high_h: float | None = None) -> None:
        self.t += timedelta(hours=low_h if high_h is None else self.rng.uniform(low_h, high_h))

    def next_round(self, next_day: bool = False) -> None:
        """Jump to the next 08:00-10:00 delivery round, at least an hour after the last scan."""
        slot = datetime.combine(self.t.date(), time(8), tzinfo=self.t.tzinfo)
        slot += timedelta(minutes=self.rng.uniform(0, 120))
        if next_day or slot < self.t + timedelta(hours=1):
            slot += timedelta(days=1)
        self.t = slot

    def add(self, code: str, text: str, location: str, who: Courier = ("", "")) -> None:
        self.events.append(
            TraceEvent(
                time=self.t.replace(microsecond=0),
                status=RAW_STATUS[code],
                raw_code=code,
                raw_text=text,
                location=location,
                courier_name=who[0],
                courier_phone=who[1],
            )
        )


def local(moment: datetime) -> datetime:
    """The same instant in Beijing time; a naive datetime is taken to be Beijing time already."""
    return moment.astimezone(SHANGHAI) if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
