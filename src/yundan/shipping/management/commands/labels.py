from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yundan.shipping.labels import DEFAULT_SIZE, LABEL_SIZES
from yundan.shipping.order_lists import read_order_list
from yundan.shipping.printing import print_labels


class Command(BaseCommand):
    help = "面单 / shipping labels"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        printing = actions.add_parser("print", help="批量打印面单为一个 PDF（按给出的顺序）")
        printing.add_argument("order_nos", nargs="*", metavar="ORDER_NO")
        printing.add_argument("--from", dest="from_file", type=Path, help="订单列表文件（.xlsx/.xls/.csv/.txt）")
        printing.add_argument("--out", type=Path, required=True, help="输出 PDF 文件")
        printing.add_argument("--size", choices=list(LABEL_SIZES), default=DEFAULT_SIZE, help="面单尺寸（毫米）")

    def handle(self, *args, action, order_nos, from_file, out, size, **options):
        if not order_nos and not from_file:
            raise CommandError("请给出订单号，或用 --from 指定订单列表文件")
        problems = []
        if from_file:
            try:
                listed, errors = read_order_list(from_file)
            except ValueError as error:
                raise CommandError(str(error)) from error
            order_nos = [*order_nos, *(row.order_no for row in listed)]
            problems = [f"第 {e.row} 行 {e.order_no}：{e.reason}" for e in errors]
        result = print_labels(order_nos, size)
        problems += [f"{f.order_no}：{f.reason}" for f in result.failures]
        if result.labels:
            out.write_bytes(result.pdf)
            self.stdout.write(f"已生成 {result.labels} 张面单（{len(result.orders)} 个订单，{size} 毫米）：{out}")
        for problem in problems:
            self.stderr.write(f"未打印 {problem}")
        if problems or not result.labels:
            raise CommandError(f"{len(problems)} 个订单未打印" if problems else "没有可打印的面单")
