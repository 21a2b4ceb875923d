"""Background jobs (Huey): the worker only decides *when*; the services do the work."""

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from yundan.tracking.services import Claim, claim_due_runs, refresh_claimed, subscribe_by_ids

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("tracking-refresh-due")
def refresh_due_packages():
    """Every minute: claim the packages whose next refresh has come (at most YUNDAN_REFRESH_BATCH)
    and queue them in runs of YUNDAN_REFRESH_RUN, which every worker takes. The claim is quick,
    so the lock only keeps two ticks from claiming at once; the refreshing is spread out."""
    runs = claim_due_runs(settings.YUNDAN_REFRESH_BATCH, settings.YUNDAN_REFRESH_RUN)
    for run in runs:
        refresh_claimed_packages(run.package_ids, run.until)
    log.info("refresh: %d packages claimed, %d runs queued", sum(len(r.package_ids) for r in runs), len(runs))


@db_task()
def refresh_claimed_packages(package_ids: list[int], until):
    """One run of claimed packages. A worker killed in the middle loses the run; its packages come
    back when their lease runs out (yundan.tracking.services.CLAIM_LEASE)."""
    refresh_claimed(Claim(package_ids, until))


@db_task(retries=3, retry_delay=300)
def subscribe_shipped(package_ids: list[int]):
    """After shipment is confirmed: ask the carriers that push to push these packages."""
    subscribe_by_ids(package_ids)
