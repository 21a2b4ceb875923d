from django.core.management.base import BaseCommand, CommandError

from yundan.orders.details import package_data
from yundan.shipping.models import Package
from yundan.shipping.waybills import normalize_waybill
from yundan.terminal import console, print_json
from yundan.tracking.display import print_package
from yundan.tracking.services import refresh_packages


class Command(BaseCommand):
    help = "向承运商刷新运单的物流轨迹并显示 / refresh waybills from their carriers and show the timeline"

    def add_arguments(self, parser):
        parser.add_argument("waybills", nargs="+", metavar="WAYBILL")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, waybills, json, **options):
        numbers = list(dict.fromkeys(normalize_waybill(w) for w in waybills))
        packages = {
            p.waybill_no: p
            for p in Package.objects.select_related("order__shop").filter(waybill_no__in=numbers)
        }
        unknown = [n for n in numbers if n not in packages]
        found = [packages[n] for n in numbers if n in packages]
        refresh_packages(found)
        shown = {p.pk: p for p in Package.objects.prefetch_related("events").filter(pk__in=[p.pk for p in found])}
        results = [package_data(shown[p.pk], p.order.order_no) | {"order_no": p.order.order_no} for p in found]
        if json:
            print_json(results)
        else:
            self.print_timelines(results)
        if unknown:
            raise CommandError(f"运单号不存在：{', '.join(unknown)} (unknown waybill)")

    def print_timelines(self, results):
        out = console()
        for data in results:
            print_package(out, data, f"[bold]运单号 {data['waybill_no']}[/]  {data['carrier_name']}  订单号 {data['order_no']}")
            out.print()
