from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yundan.batch.query import run_batch_query
from yundan.batch.reading import InputError
from yundan.terminal import console


class Command(BaseCommand):
    help = "批量处理 / batch work"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        query = actions.add_parser("query", help="批量查询物流：订单号或运单号文件 → 结果表格")
        query.add_argument("input_file", metavar="INPUT", type=Path, help=".xlsx / .xls / .ods / .csv / .txt")
        query.add_argument("--out", type=Path, required=True, help="结果文件（.xlsx，或 --csv 时为 CSV）")
        query.add_argument("--csv", action="store_true", help="输出 UTF-8 CSV（带 BOM，Excel 可直接打开）")
        query.add_argument("--refresh", action="store_true", help="先向承运商刷新未完结且数据较旧的包裹")

    def handle(self, *args, action, input_file, out, csv, refresh, **options):
        out_console = console()
        columns = [TextColumn("批量查询"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=out_console, transient=True,
                      disable=not out_console.is_terminal) as bar:
            task = bar.add_task("query", total=None)
            try:
                result = run_batch_query(input_file, out, as_csv=csv, refresh=refresh,
                                         progress=lambda n: bar.advance(task, n))
            except (InputError, OSError) as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"已查询 {result.input_rows} 行（工作表「{result.sheet}」，列「{result.column}」）→ {result.output_rows} 行结果："
            f"按订单号找到 {result.orders_found}，按运单号找到 {result.waybills_found}，未找到 {result.not_found}，"
            f"数字精度丢失 {result.lost_digits}，重复 {result.duplicates}。结果：{out}"
        )
