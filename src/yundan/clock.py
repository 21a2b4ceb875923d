"""The one clock every rule reads.

``YUNDAN_NOW`` (an ISO-8601 time with offset) freezes "now" for the whole program: demos, tests
and bug reports then see exactly the same time. Nothing in yundan calls ``datetime.now()`` or
``timezone.now()`` directly.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone


def parse_frozen_now(value: str) -> datetime:
    """Parse a ``YUNDAN_NOW`` value; it must carry an offset so it names one instant."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        raise ValueError(f"YUNDAN_NOW={value!r} has no UTC offset, e.g. 2026-11-27T10:00:00+08:00")
    return moment


def now() -> datetime:
    frozen = getattr(settings, "YUNDAN_NOW", None)
    return frozen if frozen is not None else timezone.now()
