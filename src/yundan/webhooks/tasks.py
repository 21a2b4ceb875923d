"""Background jobs (Huey): sending webhooks and pruning their log; the services do the work."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yundan.webhooks.delivery import deliver_for_a_while
from yundan.webhooks.services import prune


@db_task()
def deliver_webhooks():
    """Queued after a commit that wrote events, or an admin's enable/redeliver: send at once."""
    deliver_for_a_while()


@db_periodic_task(crontab(minute="*"))
def deliver_due_webhooks():
    """Every minute: send the deliveries whose retry time has come. Several workers may run this
    at once: each claims different deliveries."""
    deliver_for_a_while()


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_webhook_log():
    """Nightly: drop finished events (with their deliveries and attempts) past the retention."""
    prune()
