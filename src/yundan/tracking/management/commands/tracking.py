from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yundan.shipping.models import Package
from yundan.shipping.waybills import normalize_waybill
from yundan.terminal import console, print_json, print_table
from yundan.tracking.services import claim_due, refresh_packages


class Command(BaseCommand):
    help = "物流跟踪：手动刷新 / tracking: refresh by hand"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        refresh = actions.add_parser("refresh", help="刷新到期的包裹或指定运单 / refresh due packages or given waybills")
        refresh.add_argument("waybills", nargs="*", metavar="WAYBILL")
        refresh.add_argument("--due", action="store_true", help="所有到期的包裹 / every package that is due")
        refresh.add_argument("--limit", type=int, default=100_000, help="--due 时最多刷新多少个")
        refresh.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        self.refresh(**options)

    def refresh(self, waybills, due, limit, json, verbosity, **_):
        if bool(waybills) == due:
            raise CommandError("请给出运单号，或使用 --due（二选一）(give waybills or --due)")
        unknown = []
        if due:
            packages = claim_due(limit)
        else:
            numbers = list(dict.fromkeys(normalize_waybill(w) for w in waybills))
            found = {p.waybill_no: p for p in Package.objects.select_related("order__shop").filter(waybill_no__in=numbers)}
            unknown = [n for n in numbers if n not in found]
            packages = [found[n] for n in numbers if n in found]
        columns = (TextColumn("刷新物流"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console(), transient=True, disable=json or verbosity < 1) as bar:
            task = bar.add_task("refresh", total=len(packages))
            outcomes = refresh_packages(packages, progress=lambda n: bar.advance(task, n))
        if json:
            print_json([
                {"waybill_no": o.package.waybill_no, "carrier": o.package.carrier, "status": o.package.status,
                 "new_events": o.new_events, "found": o.found, "error": o.error}
                for o in outcomes
            ] + [{"waybill_no": n, "error": "运单号不存在 (unknown waybill)"} for n in unknown])
        else:
            self.report(outcomes)
        if unknown:
            raise CommandError(f"运单号不存在：{', '.join(unknown)} (unknown waybill)")

    def report(self, outcomes):
        errors = [o for o in outcomes if o.error and o.found]
        failed = [o for o in outcomes if not o.found]
        new = sum(o.new_events for o in outcomes)
        self.stdout.write(
            f"已刷新 {len(outcomes)} 个包裹，新增轨迹 {new} 条；未查到 {len(failed)} 个，受限或出错 {len(errors)} 个"
        )
        by_status = Counter(o.package.status for o in outcomes)
        if by_status:
            print_table(["物流状态", "包裹数"], sorted(by_status.items()))
        problems = [o for o in outcomes if o.error]
        if problems:
            print_table(["运单号", "说明"], [[o.package.waybill_no, o.error] for o in problems[:50]])
