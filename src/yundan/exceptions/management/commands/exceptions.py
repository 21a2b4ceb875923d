import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yundan import clock
from yundan.batch.xlsx import write_xlsx
from yundan.exceptions.kinds import ExceptionAction, ExceptionKind, ExceptionState
from yundan.exceptions.models import ParcelException
from yundan.exceptions.queue import AGE_BUCKETS, age_hours, digest, list_row, parse_age, queue
from yundan.exceptions.services import act, sweep
from yundan.exceptions.workflow import IllegalMove, allowed_actions
from yundan.orders.details import iso_time
from yundan.orders.receivers import mask_phone
from yundan.terminal import console, print_json, print_table
from yundan.tracking.display import short_time
from yundan.tracking.statuses import status_label


def _kind(value: str) -> str:
    return str(ExceptionKind(value).label)


def _state(value: str) -> str:
    return str(ExceptionState(value).label)


class Command(BaseCommand):
    help = "异常件处理：扫描、列表、查看、处理、每日清单 / exceptions: sweep, list, show, act, digest"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        sweep_parser = actions.add_parser("sweep", help="按规则扫描包裹，发现或自动关闭异常")
        sweep_parser.add_argument("--json", action="store_true")

        listing = actions.add_parser("list", help="异常列表，最早的在前")
        listing.add_argument("--kind", default="", choices=[""] + ExceptionKind.values)
        listing.add_argument("--state", default="", choices=[""] + ExceptionState.values)
        listing.add_argument("--older-than", default="", help="发现超过多久，如 2d、36h")
        listing.add_argument("--all", action="store_true", help="包括已解决和已关闭的")
        listing.add_argument("--json", action="store_true")

        show = actions.add_parser("show", help="一个异常：包裹、轨迹、处理记录")
        show.add_argument("id", type=int)
        show.add_argument("--json", action="store_true")

        work = actions.add_parser("act", help="处理一个异常")
        work.add_argument("id", type=int)
        work.add_argument("work", metavar="ACTION", choices=ExceptionAction.values)
        work.add_argument("--note", default="")
        work.add_argument("--amount", default=None, help="退款金额（refund）")
        work.add_argument("--by", default="", help="操作人（默认：当前系统用户）")
        work.add_argument("--json", action="store_true")

        daily = actions.add_parser("digest", help="每日异常清单：昨日以来新增、未结异常按类型和时长")
        daily.add_argument("--out", type=Path, default=None, help="另存为 .xlsx")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action)(**options)
        except (IllegalMove, ValueError) as error:
            raise CommandError(str(error)) from error

    def sweep(self, json, verbosity, **_):
        columns = (TextColumn("扫描异常"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console(), transient=True, disable=json or verbosity < 1) as bar:
            task = bar.add_task("sweep", total=None)
            result = sweep(progress=lambda n: bar.advance(task, n))
        if json:
            print_json({"checked": result.checked, "opened": dict(result.opened), "closed": dict(result.closed)})
            return
        self.stdout.write(f"已检查 {result.checked} 个包裹；新发现 {sum(result.opened.values())} 个异常，"
                          f"自动关闭 {sum(result.closed.values())} 个")
        kinds = sorted(set(result.opened) | set(result.closed))
        if kinds:
            print_table(["类型", "新发现", "自动关闭"],
                        [[_kind(k), result.opened.get(k, 0), result.closed.get(k, 0)] for k in kinds])

    def list(self, kind, state, older_than, all, json, **_):
        rows = queue(kind, state, parse_age(older_than) if older_than else None, unfinished=not all)
        now = clock.now()
        data = [list_row(e, now) for e in rows]
        if json:
            print_json(data)
            return
        if not data:
            self.stdout.write("没有符合条件的异常 (no exception matches)")
            return
        print_table(
            ["编号", "类型", "状态", "订单号", "运单号", "发现时间", "时长(小时)", "最近操作"],
            [[r["id"], _kind(r["kind"]), _state(r["state"]), r["order_no"], r["waybill_no"],
              short_time(r["opened_at"]), r["age_hours"],
              str(ExceptionAction(r["last_action"]).label) if r["last_action"] in ExceptionAction.values else
              {"opened": "发现", "auto_closed": "自动关闭"}.get(r["last_action"], "")] for r in data],
        )

    def _get(self, pk: int) -> ParcelException:
        exception = ParcelException.objects.select_related("package__order").filter(pk=pk).first()
        if exception is None:
            raise CommandError(f"异常 #{pk} 不存在 (unknown exception)")
        return exception

    def show(self, id, json, **_):
        exception = self._get(id)
        package, now = exception.package, clock.now()
        data = list_row(exception, now) | {
            "reason": exception.reason,
            "closed_at": iso_time(exception.closed_at),
            "carrier": package.carrier,
            "package_status": package.status,
            "receiver_phone": mask_phone(package.order.receiver_phone),
            "resend_waybill_no": exception.resend_package.waybill_no if exception.resend_package else None,
            "refund_amount": str(exception.refund_amount) if exception.refund_amount is not None else None,
            "allowed_actions": allowed_actions(exception.state),
            "events": [{"time": iso_time(e.time), "status": e.status, "description": e.raw_text,
                        "location": e.location, "after_terminal": e.after_terminal} for e in package.events.all()],
            "log": [{"at": iso_time(entry.at), "action": entry.action, "actor": entry.actor, "note": entry.note,
                     "state_before": entry.state_before, "state_after": entry.state_after,
                     "amount": str(entry.amount) if entry.amount is not None else None}
                    for entry in exception.log.all()],
        }
        if json:
            print_json(data)
            return
        out = console()
        out.print(f"[bold]异常 #{exception.pk}[/] {_kind(exception.kind)} · {_state(exception.state)} · "
                  f"订单 {data['order_no']} · 运单 {data['waybill_no']} · 已 {data['age_hours']} 小时")
        out.print(f"原因：{exception.reason}")
        out.print(f"包裹物流状态：{status_label(package.status)}；可执行：{'、'.join(f'{ExceptionAction(a).label}({a})' for a in data['allowed_actions']) or '无'}")
        print_table(["时间", "状态", "轨迹"], [[short_time(e["time"]), status_label(e["status"]),
                                             e["description"] + (" ⚠签收后" if e["after_terminal"] else "")]
                                            for e in data["events"]], title="物流轨迹（新的在上）")
        print_table(["时间", "操作人", "操作", "状态", "备注"],
                    [[short_time(e["at"]), e["actor"], e["action"], f"{e['state_before'] or '-'} → {e['state_after']}",
                      e["note"]] for e in data["log"]], title="处理记录")

    def act(self, id, work, note, amount, by, json, **_):
        actor = by or getpass.getuser()
        result = act(id, work, actor=actor, note=note, amount=amount)
        if json:
            print_json({"id": result.exception.pk, "state": result.exception.state, "message": result.message,
                        "contact": result.contact})
            return
        self.stdout.write(f"#{result.exception.pk} → {_state(result.exception.state)}：{result.message}")
        if result.contact:
            self.stdout.write("  " + "  ".join(f"{k}: {v}" for k, v in result.contact.items()))

    def digest(self, out, **_):
        report, now = digest(), clock.now()

        def rows(exceptions):
            return [[str(e.pk), _kind(e.kind), _state(e.state), e.package.order.order_no, e.package.waybill_no or "",
                     e.package.carrier, iso_time(e.opened_at), f"{age_hours(e, now):g}", e.reason]
                    for e in exceptions]

        header = ["编号", "类型", "状态", "订单号", "运单号", "承运商", "发现时间", "时长(小时)", "原因"]
        counts = [["类型", "未结数量"], *[[_kind(k), str(n)] for k, n in report.by_kind.most_common()],
                  [], ["时长", "未结数量"], *[[label, str(report.by_age.get(label, 0))] for _, label in AGE_BUCKETS]]
        self.stdout.write(f"昨日 0 点以来新增 {len(report.new)} 个异常；未结 {len(report.unfinished)} 个")
        if report.by_kind:
            print_table(["类型", "未结"], [[_kind(k), n] for k, n in report.by_kind.most_common()])
            print_table(["时长", "未结"], [[label, report.by_age.get(label, 0)] for _, label in AGE_BUCKETS])
        if out:
            write_xlsx(out, [("未结异常", [header, *rows(report.unfinished)]), ("昨日新增", [header, *rows(report.new)]),
                             ("统计", counts)])
            self.stdout.write(f"已写入 {out}")
