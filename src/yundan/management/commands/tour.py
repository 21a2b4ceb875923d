from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from yundan.orders.models import Order
from yundan.orders.states import OrderStatus
from yundan.shipping.models import Package
from yundan.terminal import console
from yundan.tracking.statuses import TrackingStatus


class Command(BaseCommand):
    help = "用演示数据走一遍命令行 / a short tour of the CLI on the demo data"

    def handle(self, *args, **options):
        split = Order.objects.annotate(n=Count("packages")).filter(n__gt=1, status=OrderStatus.SHIPPED).first()
        printed = Package.objects.filter(printed_at__isnull=False, shipped_at__isnull=True,
                                         order__status=OrderStatus.AWAITING_SHIPMENT).select_related("order").first()
        problem = Package.objects.filter(status__in=[TrackingStatus.REJECTED, TrackingStatus.RETURNING,
                                                     TrackingStatus.RETURNED, TrackingStatus.DELIVERY_FAILED]).first()
        if not (split and printed and problem):
            raise CommandError("没有演示数据：请先运行 yundan demo")
        waybill = split.packages.first().waybill_no
        labels = settings.YUNDAN_HOME / "tour-labels.pdf"
        steps = [
            ("按运单号找订单", ["orders", "search", "--waybill", waybill]),
            ("按手机后4位和状态找订单", ["orders", "search", "--phone", split.receiver_phone_last4,
                                    "--status", "shipped", "--limit", "5"]),
            ("一个订单分多个包裹发出，每个包裹有自己的轨迹", ["orders", "show", split.order_no]),
            ("已打印面单但未确认发货的订单", ["orders", "show", printed.order.order_no]),
            ("补打它的面单（PDF）", ["labels", "print", printed.order.order_no, "--out", str(labels)]),
            ("确认发货：运单号成为订单的物流单号", ["ship", printed.order.order_no]),
            ("刷新并查看一个出了问题的包裹", ["track", problem.waybill_no]),
            ("按规则扫描异常件（后台每 15 分钟也会扫描）", ["exceptions", "sweep"]),
            ("每天早上要看的异常清单", ["exceptions", "digest"]),
        ]
        out = console()
        for title, command in steps:
            out.rule(f"[bold]{title}[/]")
            out.print(f"$ yundan {' '.join(command)}", style="cyan")
            call_command(*command)
        out.rule()
        out.print("更多命令：yundan help · 每个命令都支持 --json 输出")
