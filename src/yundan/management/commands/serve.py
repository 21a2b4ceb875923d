import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行 yundan 网页服务，并在旁边运行后台任务 / run the web server with the background worker beside it"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务 / no background worker")

    def handle(self, *args, addrport, no_worker, **options):
        worker = None if no_worker else subprocess.Popen([sys.executable, "-m", "yundan.cli", "worker"])
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
