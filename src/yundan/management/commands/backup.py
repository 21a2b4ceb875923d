from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.timezone import localtime

from yundan import clock
from yundan.backups import BackupError, backup_sqlite, default_backup_path, human_size, postgres_route


class Command(BaseCommand):
    help = "备份数据库（yundan 运行时也可以）/ back up the SQLite database, also while yundan runs"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="备份文件或文件夹（默认 YUNDAN_HOME/backups/）/ file or folder")

    def handle(self, *args, path, **options):
        if connection.vendor != "sqlite":
            raise CommandError(postgres_route("backup", connection.settings_dict))
        target = Path(path).expanduser() if path else settings.YUNDAN_HOME / "backups"
        if not path or target.is_dir():
            target = default_backup_path(target, localtime(clock.now()))
        try:
            copied = backup_sqlite(Path(connection.settings_dict["NAME"]), target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已备份到 {copied.path}（{human_size(copied.size)}，用时 {copied.seconds:.1f} 秒）/ "
                          f"backed up to {copied.path} ({human_size(copied.size)} in {copied.seconds:.1f} s)")
