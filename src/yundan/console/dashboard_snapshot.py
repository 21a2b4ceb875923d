"""The 看板's numbers, computed in the background and kept as one snapshot.

Counting by state and scanning delivery times reads every order and package: 5–6 s in all at
1,000,000 orders (bench/dashboard.py), far too slow per page view. The worker recomputes the
snapshot every ``YUNDAN_DASHBOARD_REFRESH_MINUTES`` (console.tasks); the page shows when.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from yundan import clock
from yundan.console.dashboard_stats import dashboard_numbers
from yundan.console.models import DashboardSnapshot

STALE_AFTER_RUNS = 3  # missed refreshes before the page says the numbers may be old


def refresh_snapshot() -> DashboardSnapshot:
    """Compute every number now and keep it as the only snapshot."""
    now = clock.now()
    started = time.perf_counter()
    numbers = dashboard_numbers(now)
    with transaction.atomic():
        snapshot = DashboardSnapshot.objects.create(
            computed_at=now, seconds=round(time.perf_counter() - started, 3), numbers=numbers)
        DashboardSnapshot.objects.exclude(pk=snapshot.pk).delete()
    return snapshot


def current_snapshot() -> DashboardSnapshot:
    """The newest snapshot; computed on the spot the first time (a fresh install before the
    worker's first run)."""
    return DashboardSnapshot.objects.order_by("-computed_at", "-id").first() or refresh_snapshot()


def is_stale(snapshot: DashboardSnapshot) -> bool:
    """Older than a few refresh intervals: the worker is probably not running."""
    interval = timedelta(minutes=settings.YUNDAN_DASHBOARD_REFRESH_MINUTES)
    return clock.now() - snapshot.computed_at > STALE_AFTER_RUNS * interval
