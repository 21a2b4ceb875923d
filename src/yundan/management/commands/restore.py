from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils.timezone import localtime

from yundan import clock
from yundan.backups import BackupError, inspect_backup, postgres_route, restore_sqlite
from yundan.running import nothing_running


class Command(BaseCommand):
    help = "从备份恢复数据库（先停止 serve 和 worker）/ restore the SQLite database from a backup"

    def add_arguments(self, parser):
        parser.add_argument("path", help="yundan backup 生成的备份文件 / a file made by yundan backup")

    def handle(self, *args, path, **options):
        if connection.vendor != "sqlite":
            raise CommandError(postgres_route("restore", connection.settings_dict))
        backup, target = Path(path).expanduser(), Path(connection.settings_dict["NAME"])
        known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
        try:
            contents = inspect_backup(backup, known)
            with nothing_running(settings.YUNDAN_HOME):
                connections.close_all()
                queue = settings.HUEY["connection"].get("filename")  # None when the queue is in Redis
                kept = restore_sqlite(backup, target, f"{localtime(clock.now()):%Y%m%d-%H%M%S}",
                                      Path(queue) if queue else None)
                if contents.pending:  # the backup is older than this version
                    call_command("migrate", interactive=False, verbosity=0)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已从 {backup} 恢复数据库 / restored the database from {backup}")
        if contents.pending:
            self.stdout.write(f"已补上 {len(contents.pending)} 个迁移 / applied {len(contents.pending)} migrations")
        if kept:
            self.stdout.write(f"原来的数据库保存在 {kept} / the replaced database is kept as {kept}")
