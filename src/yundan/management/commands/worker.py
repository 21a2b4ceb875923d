from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from yundan.running import hold_while_running


class Command(BaseCommand):
    help = "运行后台任务（物流刷新、推送订阅）/ run the background worker"

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=settings.HUEY["consumer"]["workers"])
        parser.add_argument(
            "--no-periodic", action="store_true",
            help="不运行定时任务（多台机器时只让一个 worker 运行定时任务）/ leave periodic jobs to another worker",
        )

    def handle(self, *args, threads, no_periodic, **options):
        # --flush-locks: a worker killed while it ran a locked job (the due refresh …) leaves the lock
        # in the queue storage and every later run is skipped; starting clears such stale locks.
        flags = ["--workers", str(threads), "--worker-type", "thread", "--flush-locks"]
        if no_periodic:
            flags.append("--no-periodic")
        with hold_while_running(settings.YUNDAN_HOME):  # yundan restore refuses while this runs
            call_command("run_huey", *flags)
