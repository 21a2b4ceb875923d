"""Background jobs (Huey): the worker only decides *when*; the services do the work."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from yundan.tracking.services import refresh_due, subscribe_by_ids


@db_periodic_task(crontab(minute="*"))
@lock_task("tracking-refresh-due")
def refresh_due_packages():
    """Every minute: refresh the packages whose next refresh has come (one batch per run)."""
    refresh_due()


@db_task(retries=3, retry_delay=300)
def subscribe_shipped(package_ids: list[int]):
    """After shipment is confirmed: ask the carriers that push to push these packages."""
    subscribe_by_ids(package_ids)
