from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from yundan.shipping.order_lists import read_order_list
from yundan.shipping.shipment import GivenWaybill, ShipmentRequest, ShipmentResult, confirm_shipments
from yundan.terminal import print_json, print_table


class Command(BaseCommand):
    help = "确认发货：运单号成为订单的物流单号，开始跟踪 / confirm shipment"

    def add_arguments(self, parser):
        parser.add_argument("order_nos", nargs="*", metavar="ORDER_NO")
        parser.add_argument("--from", dest="from_file", type=Path,
                            help="订单列表文件（.xlsx/.xls/.csv）：订单号，可选 物流单号 + 快递公司")
        split = parser.add_mutually_exclusive_group()
        split.add_argument("--packages", type=int, help="分成 K 个包裹发出（拆单）")
        split.add_argument("--by-items", action="store_true", help="每个商品一个包裹")
        split.add_argument("--resend", action="store_true", help="补发：给已发货的订单加一个新包裹")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, order_nos, from_file, packages, by_items, resend, json, **options):
        if packages is not None and packages < 1:
            raise CommandError("--packages 至少为 1")
        requests, results = self.requests(order_nos, from_file, packages, by_items, resend)
        cut = None
        for done, request in enumerate(requests):
            try:
                results += confirm_shipments([request])
            except (OperationalError, InterfaceError) as error:  # the database went away (restart, network)
                cut = (done, error)
                break
        if json:
            print_json([vars(r) for r in results])
        else:
            print_table(["订单号", "结果", "物流单号", "原因"],
                        ([r.order_no, "已发货" if r.ok else "失败", " ".join(r.waybill_nos), r.error] for r in results))
        if cut:
            done, error = cut
            raise CommandError(
                f"数据库出错，已处理 {done} / {len(requests)} 个订单后停止：每个订单要么整单发货，要么未动；"
                f"数据库恢复后用同样的参数重新运行即可，已发货的订单不会重复发货"
                f"（database error after {done} of {len(requests)} orders; run the same command again）: "
                f"{str(error).strip()}")
        failed = [r for r in results if not r.ok]
        if failed:
            raise CommandError(f"{len(failed)} 个订单未能发货 ({len(failed)} of {len(results)} failed)")

    def requests(self, order_nos, from_file, packages, by_items, resend):
        if not order_nos and not from_file:
            raise CommandError("请给出订单号，或用 --from 指定订单列表文件")
        listed, errors = [], []
        if from_file:
            try:
                listed, errors = read_order_list(from_file)
            except ValueError as error:
                raise CommandError(str(error)) from error
        given = defaultdict(list)
        for row in listed:
            given[row.order_no].extend([GivenWaybill(row.carrier, row.waybill_no)] if row.waybill_no else [])
        numbers = list(dict.fromkeys([*order_nos, *given]))
        requests = [ShipmentRequest(n, packages, by_items, tuple(given.get(n, ())), resend) for n in numbers]
        failures = [ShipmentResult(e.order_no, False, error=f"第 {e.row} 行：{e.reason}") for e in errors]
        return requests, failures
