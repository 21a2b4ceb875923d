from django.core.management.base import BaseCommand, CommandError
from rich.progress import Progress

from yundan.demo.builder import build_demo
from yundan.orders.states import OrderStatus
from yundan.terminal import console
from yundan.tracking.statuses import status_label


class Command(BaseCommand):
    help = "生成演示店铺和订单（模拟京东物流）/ build a demo shop with orders in every state"

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000, help="订单数（默认 2000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成同样的数据")

    def handle(self, *args, orders, seed, **options):
        if orders < 1:
            raise CommandError("--orders 至少为 1")
        with Progress(console=console(), transient=True, disable=options["verbosity"] < 1) as bar:
            task = bar.add_task("生成演示数据", total=orders)
            summary = build_demo(orders, seed, progress=lambda n: bar.advance(task, n))
        out = console()
        out.print(f"[bold green]演示数据已生成[/]：店铺「{summary.shop}」 {summary.orders} 个订单，"
                  f"{summary.packages} 个包裹（{summary.split_orders} 个订单分多个包裹发出），{summary.events} 条物流轨迹。")
        out.print("订单状态：" + "，".join(f"{OrderStatus(k).label} {v}" for k, v in sorted(summary.by_status.items())))
        out.print("物流状态：" + "，".join(f"{status_label(k)} {v}" for k, v in sorted(summary.by_tracking.items())))
        out.print("模拟场景：" + "，".join(f"{k} {v}" for k, v in sorted(summary.by_scenario.items())))
        out.print("物流数据来自沙箱承运商「京东物流（模拟）」，不是真实轨迹。")
        out.print(f"控制台登录：用户名 [bold]{summary.user}[/]  密码 [bold]{summary.password}[/]（仅供演示）")
