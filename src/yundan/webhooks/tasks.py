"""Background jobs (Huey): sending webhooks and pruning their log; the services do the work."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yundan.webhooks.delivery import deliver_due, seconds_to_next_due
from yundan.webhooks.services import prune

# The periodic run comes every minute; a retry due sooner (the first comes 5 s after the first try)
# gets a run of its own at its time.
PERIODIC_SECONDS = 60


def _deliver() -> None:
    run = deliver_due()
    wait = seconds_to_next_due()
    # Only after a run that sent something: under a frozen clock nothing ever falls due, and the
    # runs would chain forever. A wait of 0 (a retry fell due while this run was sending) gets a run now.
    if run.tries and wait is not None and wait < PERIODIC_SECONDS:
        deliver_webhooks.schedule(delay=wait)


@db_task()
def deliver_webhooks():
    """Queued after a commit that wrote events, an admin's enable or redelivery, or for a retry due
    within the minute: send what is due now."""
    _deliver()


@db_periodic_task(crontab(minute="*"))
def deliver_due_webhooks():
    """Every minute: send the deliveries whose retry time has come. Several workers may run this
    at once: each claims different deliveries."""
    _deliver()


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_webhook_log():
    """Nightly: drop finished events (with their deliveries and attempts) past the retention."""
    prune()
