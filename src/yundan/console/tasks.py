"""Background jobs of the console."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from yundan.console.dashboard_snapshot import refresh_snapshot


@db_periodic_task(crontab(minute=f"*/{settings.YUNDAN_DASHBOARD_REFRESH_MINUTES}"))
@lock_task("dashboard-refresh")
def refresh_dashboard():
    """Every few minutes (YUNDAN_DASHBOARD_REFRESH_MINUTES): recompute the 看板's numbers."""
    refresh_snapshot()
