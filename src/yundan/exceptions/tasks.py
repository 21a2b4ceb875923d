"""Background jobs of the exception center."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from yundan.exceptions.services import sweep


@db_periodic_task(crontab(minute="*/15"))
@lock_task("exceptions-sweep")
def sweep_exceptions():
    """Every 15 minutes: open what the rules find, close what recovered."""
    sweep()
