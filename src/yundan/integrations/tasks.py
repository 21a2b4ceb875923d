"""Background jobs of the integrations: the JD order sync."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from yundan.integrations.jd_runs import run_due


@db_periodic_task(crontab(minute="*"))
@lock_task("jd-order-sync")
def sync_jd_shops():
    """Every minute: the JD shops whose sync interval (YUNDAN_JD_SYNC_MINUTES) has passed pull
    their orders and report their shipments."""
    run_due()
