from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yundan.orders.addresses import one_line
from yundan.orders.details import iso_time, order_data, with_details
from yundan.orders.importing import import_orders
from yundan.orders.models import Order
from yundan.orders.receivers import mask_name, mask_phone
from yundan.orders.search import OrderNotFound, OrderQuery, get_order, search_orders
from yundan.orders.states import OrderStatus
from yundan.terminal import console, print_json, print_table
from yundan.tracking.display import print_package, short_time


class Command(BaseCommand):
    help = "订单：搜索、查看、导入 / orders: search, show, import"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        search = actions.add_parser("search", help="按订单号、买家ID、手机号、运单号搜索订单")
        search.add_argument("--order-no", default="")
        search.add_argument("--buyer", default="")
        search.add_argument("--phone", default="", help="完整手机号或后4位")
        search.add_argument("--waybill", default="", help="运单号：找出该包裹所属订单")
        search.add_argument("--status", default="", choices=[""] + OrderStatus.values)
        search.add_argument("--shop", default="")
        search.add_argument("--limit", type=int, default=50)
        search.add_argument("--json", action="store_true")

        show = actions.add_parser("show", help="查看订单、收货人、包裹和物流轨迹")
        show.add_argument("order_no")
        show.add_argument("--shop", default="")
        show.add_argument("--unmask", action="store_true", help="显示完整的收货人姓名、电话和地址")
        show.add_argument("--json", action="store_true")

        imp = actions.add_parser("import", help="导入京东商家后台的订单导出文件 (.xlsx/.xls/.csv)")
        imp.add_argument("file", type=Path)
        imp.add_argument("--shop", default="", help="店铺名称（默认：唯一的店铺，或新建「默认店铺」）")
        imp.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        {"search": self.search, "show": self.show, "import": self.import_file}[action](**options)

    def search(self, order_no, buyer, phone, waybill, status, shop, limit, json, **_):
        try:
            query = OrderQuery(order_no=order_no, buyer_id=buyer, phone=phone, waybill_no=waybill,
                               status=status, shop=shop)
            orders = list(with_details(search_orders(query))[:limit])
        except ValueError as error:
            raise CommandError(str(error)) from error
        if json:
            print_json([order_data(o) for o in orders])
        if not orders:
            raise CommandError("没有找到符合条件的订单 (no order matches)")
        if json:
            return
        print_table(
            ["订单号", "店铺", "状态", "下单时间", "买家ID", "收货人", "电话", "物流单号"],
            (
                [o.order_no, o.shop.name, str(OrderStatus(o.status).label),
                 short_time(iso_time(o.ordered_at)), o.buyer_id,
                 mask_name(o.receiver_name), mask_phone(o.receiver_phone),
                 " ".join(p.waybill_no for p in o.packages.all() if p.shipped_at and p.waybill_no)]
                for o in orders
            ),
        )

    def show(self, order_no, shop, unmask, json, **_):
        try:
            order = get_order(order_no, shop, orders=with_details(Order.objects.all()))
        except OrderNotFound as error:
            raise CommandError(str(error)) from error
        data = order_data(order, unmask=unmask)
        print_json(data) if json else self.print_order(data)

    def print_order(self, data):
        out = console()
        out.print(f"[bold]订单 {data['order_no']}[/]  [{data['status_label']}]  店铺：{data['shop']}")
        out.print(f"下单时间 {short_time(data['ordered_at'])}  买家ID {data['buyer_id'] or '—'}  "
                  f"金额 {data['amount'] or '—'}")
        r = data["receiver"]
        out.print(f"收货人 {r['name']}  {r['phone']}  {one_line(r['province'], r['city'], r['district'], r['address'])}")
        if data["remark"]:
            out.print(f"商家备注 {data['remark']}")
        for item in data["items"]:
            out.print(f"  商品 {item['sku_id']}  {item['name']} ×{item['quantity']}")
        if not data["packages"]:
            out.print("尚无包裹：未打印面单，也未发货。")
        total = len(data["packages"])
        for package in data["packages"]:
            out.print()
            print_package(
                out, package,
                f"[bold]包裹 {package['sequence']}/{total}[/]  运单号 {package['waybill_no'] or '（未分配）'}  "
                f"承运商 {package['carrier_name']}  打印 {short_time(package['printed_at'])}"
                f"  发货 {short_time(package['shipped_at'])}",
            )

    def import_file(self, file, shop, json, **_):
        try:
            report = import_orders(file, shop_name=shop)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if json:
            print_json(report.as_dict())
        else:
            self.stdout.write(f"新增 {report.created} 单，更新 {report.updated} 单，未变 {report.unchanged} 单，"
                              f"拒绝 {len(report.rejected)} 行（店铺：{report.shop}）")
            for rejection in report.rejected:
                self.stdout.write(f"  第 {rejection.row} 行：{rejection.reason}")
            for warning in report.warnings:
                self.stdout.write(f"  注意：{warning}")
        if report.rejected:
            raise CommandError(f"{len(report.rejected)} 行未导入，见上方原因 ({len(report.rejected)} rows rejected)")
