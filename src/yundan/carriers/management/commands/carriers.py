from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from yundan.carriers.accounts import build, complete_settings, kind_of, parse_assignments, shown_settings
from yundan.carriers.base import CarrierError
from yundan.carriers.kinds import KINDS
from yundan.carriers.models import CarrierAccount
from yundan.orders.models import Shop
from yundan.terminal import console, print_json, print_table


class Command(BaseCommand):
    help = "承运商账号：添加、列出、测试 / carrier accounts: add, list, test"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="添加或更新承运商账号 / add or update an account")
        add.add_argument("kind", choices=list(KINDS))
        add.add_argument("--name", required=True)
        add.add_argument("--shop", default="", help="店铺名称；新账号不填则所有店铺共用 / shop (new account default: every shop)")
        add.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE")
        add.add_argument("--disable", action="store_true", help="保存但不启用 / store it disabled")

        listing = actions.add_parser("list", help="列出账号（密钥只显示首尾）/ list accounts, secrets masked")
        listing.add_argument("--json", action="store_true")

        test = actions.add_parser("test", help="用账号发一次签名请求并显示结果 / one signed call")
        test.add_argument("name")

        keys = actions.add_parser("keys", help="某类账号的设置项 / the settings of a kind")
        keys.add_argument("kind", choices=list(KINDS))

    def handle(self, *args, action, **options):
        try:
            {"add": self.add, "list": self.list, "test": self.test, "keys": self.keys}[action](**options)
        except CarrierError as error:
            raise CommandError(str(error)) from error

    def add(self, kind, name, shop, assignments, disable, **_):
        spec = kind_of(kind)
        account = CarrierAccount.objects.filter(name=name).first()
        if account is not None and account.kind != kind:
            raise CommandError(f"账号「{name}」已存在且类型为 {account.kind} (name taken by another kind)")
        given = (account.settings if account else {}) | parse_assignments(assignments)
        values = complete_settings(spec, given)
        shop_row = account.shop if account else None  # an update keeps the shop unless given
        if shop:
            shop_row = Shop.objects.filter(name=shop).first()
            if shop_row is None:
                raise CommandError(f"店铺「{shop}」不存在 (unknown shop)")
        try:
            account, created = CarrierAccount.objects.update_or_create(
                name=name, defaults={"kind": kind, "shop": shop_row, "settings": values, "enabled": not disable}
            )
        except IntegrityError as error:
            raise CommandError(f"无法保存账号：{error}") from error
        self.stdout.write(f"{'已添加' if created else '已更新'}承运商账号「{name}」({spec.label})")
        self.print_settings(account)

    def print_settings(self, account):
        for key, value in shown_settings(account).items():
            self.stdout.write(f"  {key} = {value}")

    def list(self, json, **_):
        accounts = CarrierAccount.objects.select_related("shop")
        rows = [
            {
                "name": a.name, "kind": a.kind, "shop": a.shop.name if a.shop else "", "enabled": a.enabled,
                "settings": shown_settings(a),
            }
            for a in accounts
        ]
        if json:
            print_json(rows)
            return
        if not rows:
            self.stdout.write("还没有承运商账号；沙箱运单无需账号。添加：yundan carriers add KIND --name N --set key=value")
            return
        print_table(
            ["名称", "类型", "店铺", "启用", "设置"],
            [
                [r["name"], r["kind"], r["shop"] or "（全部）", "是" if r["enabled"] else "否",
                 " ".join(f"{k}={v}" for k, v in r["settings"].items())]
                for r in rows
            ],
        )

    def test(self, name, **_):
        account = CarrierAccount.objects.filter(name=name).first()
        if account is None:
            raise CommandError(f"承运商账号「{name}」不存在 (unknown account)")
        answer = build(account).check()
        self.stdout.write(f"账号「{name}」可用：{answer}")

    def keys(self, kind, **_):
        spec = kind_of(kind)
        if not spec.keys:
            self.stdout.write(f"{kind} 没有设置项 (no settings)")
            return
        console().print(f"{spec.label} ({kind})")
        print_table(
            ["设置项", "默认值", "说明"],
            [[k.name, "（必填）" if k.default is None else k.default or '""', k.help + ("（密钥）" if k.secret else "")]
             for k in spec.keys],
        )
