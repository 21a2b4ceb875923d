from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yundan.carriers.accounts import parse_assignments
from yundan.carriers.base import CarrierError
from yundan.integrations.jd_runs import ShopRun, run_shop
from yundan.integrations.jd_settings import JD_SYNC_KEYS, shown
from yundan.integrations.jd_shops import check, configure_shop, shop_states
from yundan.integrations.models import JdOrderSync
from yundan.orders.details import iso_time
from yundan.orders.models import Shop
from yundan.terminal import console, print_json, print_table


def _since(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--since「{text}」不是 ISO 时间，例如 2026-11-20T00:00:00+08:00 (not an ISO time)") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _short(moment: str | None) -> str:
    return moment[:19].replace("T", " ") if moment else "—"


class Command(BaseCommand):
    help = "京东订单同步：拉取订单、回传发货、设置店铺 / JD order sync: pull orders, report shipments, set up shops"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        jd = actions.add_parser("jd", help="立即同步：拉取订单并回传发货 / sync now: pull orders, report shipments")
        jd.add_argument("--shop", default="", help="只同步这个店铺（默认：所有启用的店铺）/ only this shop")
        jd.add_argument("--since", default="", help="从这个时间起重新拉取（ISO，不填时区为北京时间）/ re-pull from")
        jd.add_argument("--json", action="store_true")

        shop = actions.add_parser("jd-shop", help="设置店铺的京东凭据和选项 / set a shop's JD credentials and options")
        shop.add_argument("shop")
        shop.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
        state = shop.add_mutually_exclusive_group()
        state.add_argument("--enable", dest="enabled", action="store_const", const=True, default=None)
        state.add_argument("--disable", dest="enabled", action="store_const", const=False)
        shop.add_argument("--test", action="store_true", help="用凭据查询一次订单 / one signed order search")

        listing = actions.add_parser("jd-shops", help="已设置的店铺和同步状态 / linked shops and their state")
        listing.add_argument("--json", action="store_true")

        actions.add_parser("jd-keys", help="店铺设置项 / the settings of a shop")

    def handle(self, *args, action, **options):
        handlers = {"jd": self.sync, "jd-shop": self.shop, "jd-shops": self.shops, "jd-keys": self.keys}
        try:
            handlers[action](**options)
        except CarrierError as error:
            raise CommandError(str(error)) from error

    def sync(self, shop, since, json, verbosity, **_):
        syncs = JdOrderSync.objects.select_related("shop")
        syncs = list(syncs.filter(shop__name=shop) if shop else syncs.filter(enabled=True))
        if not syncs:
            raise CommandError(
                f"店铺「{shop}」没有设置京东同步 (shop not linked)" if shop
                else "没有启用京东同步的店铺；设置：yundan sync jd-shop 店铺 --set app_key=… (no JD shop)"
            )
        runs = []
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("窗口"),
                   TimeElapsedColumn())
        with Progress(*columns, console=console(), transient=True, disable=json or verbosity < 1) as bar:
            for sync in syncs:
                task = bar.add_task(f"同步 {sync.shop.name}", total=None)

                def progress(event, data, task=task):
                    if event == "windows":
                        bar.update(task, total=data["count"])
                    elif event == "window":
                        bar.advance(task)

                runs.append(run_shop(sync, since=_since(since), progress=progress))
        if json:
            print_json([run.as_dict() for run in runs])
        else:
            self.report(runs)
        failed = [run.orders.shop for run in runs if run.orders.error or run.shipments.error]
        if failed:
            raise CommandError(f"同步未完成：{'、'.join(failed)} (sync failed)")

    def report(self, runs: list[ShopRun]):
        print_table(
            ["店铺", "窗口", "页", "拉取", "新增", "更新", "未变", "拒收", "回传成功", "回传失败", "已同步至"],
            [[r.orders.shop, r.orders.windows, r.orders.pages, r.orders.fetched, r.orders.created, r.orders.updated,
              r.orders.unchanged, len(r.orders.rejected), len(r.shipments.accepted), len(r.shipments.failed),
              _short(iso_time(r.orders.watermark))] for r in runs],
        )
        problems = [
            *[[r.orders.shop, "错误", "", r.orders.error] for r in runs if r.orders.error],
            *[[r.shipments.shop, "回传错误", "", r.shipments.error] for r in runs if r.shipments.error],
            *[[r.orders.shop, "拒收", x["order_no"], x["reason"]] for r in runs for x in r.orders.rejected],
            *[[r.shipments.shop, "回传失败", x["order_no"], x["error"]] for r in runs for x in r.shipments.failed],
            *[[r.shipments.shop, "不再回传", x["order_no"], x["reason"]] for r in runs for x in r.shipments.closed],
        ]
        if problems:
            print_table(["店铺", "类别", "订单号", "说明"], problems[:50])

    def shop(self, shop, assignments, enabled, test, **_):
        row = Shop.objects.filter(name=shop).first()
        if row is None:
            raise CommandError(f"店铺「{shop}」不存在 (unknown shop)")
        if assignments or enabled is not None or not JdOrderSync.objects.filter(shop=row).exists():
            sync, created = configure_shop(row, parse_assignments(assignments), enabled)
            self.stdout.write(f"{'已设置' if created else '已更新'}店铺「{shop}」的京东同步（{'启用' if sync.enabled else '停用'}）")
        else:
            sync = JdOrderSync.objects.get(shop=row)
            self.stdout.write(f"店铺「{shop}」的京东同步（{'启用' if sync.enabled else '停用'}）")
        for key, value in shown(sync.settings).items():
            self.stdout.write(f"  {key} = {value}")
        if test:
            self.stdout.write(check(sync))

    def shops(self, json, **_):
        states = shop_states()
        if json:
            print_json(states)
            return
        if not states:
            self.stdout.write("还没有设置京东同步的店铺。设置：yundan sync jd-shop 店铺 --set app_key=… (no JD shop)")
            return
        print_table(
            ["店铺", "启用", "已同步至", "最近同步", "拒收订单", "待回传", "回传失败", "最近错误"],
            [[s["shop"], "是" if s["enabled"] else "否", _short(s["synced_until"]), _short(s["last_run_at"]),
              s["rejected_orders"], s["shipments_waiting"], s["shipments_failing"], s["last_error"]] for s in states],
        )

    def keys(self, **_):
        print_table(
            ["设置项", "默认值", "说明"],
            [[k.name, "（必填）" if k.default is None else k.default or '""', k.help + ("（密钥）" if k.secret else "")]
             for k in JD_SYNC_KEYS],
        )
