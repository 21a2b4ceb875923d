from django.core.management.base import BaseCommand, CommandError

from yundan.api.keys import create_key, revoke_key
from yundan.api.models import ApiKey, Scope
from yundan.orders.details import iso_time
from yundan.terminal import print_json, print_table


def _row(api_key: ApiKey) -> dict:
    return {
        "prefix": api_key.prefix, "key": api_key.masked, "name": api_key.name, "scope": api_key.scope,
        "created_at": iso_time(api_key.created_at), "last_used_at": iso_time(api_key.last_used_at),
        "revoked_at": iso_time(api_key.revoked_at),
    }


class Command(BaseCommand):
    help = "REST API 密钥：创建、列出、吊销 / API keys: create, list, revoke"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="创建密钥（只显示这一次）/ create a key (shown once)")
        create.add_argument("--scope", required=True, choices=Scope.values, help="read: 只读; write: 读写")
        create.add_argument("--name", default="", help="用途，例如 ERP 名称 / what it is for")
        create.add_argument("--json", action="store_true")
        listing = actions.add_parser("list", help="列出密钥（不含密钥本身）")
        listing.add_argument("--json", action="store_true")
        revoke = actions.add_parser("revoke", help="吊销密钥 / revoke a key")
        revoke.add_argument("prefix", help="列表中的前缀 / the prefix shown by list")

    def handle(self, *args, action, **options):
        getattr(self, action)(**options)

    def create(self, scope, name, json, **_):
        try:
            new = create_key(scope, name)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if json:
            print_json({**_row(new.api_key), "key": new.token})
            return
        self.stdout.write(new.token)
        self.stderr.write(f"已创建 {scope} 密钥 {new.api_key.prefix}。密钥只显示这一次，请立即保存。"
                          " (Shown once: store it now.)")

    def list(self, json, **_):
        rows = [_row(k) for k in ApiKey.objects.all()]
        if json:
            print_json(rows)
            return
        print_table(["前缀", "名称", "权限", "创建", "最近使用", "吊销"],
                    [[r["prefix"], r["name"], r["scope"], r["created_at"], r["last_used_at"] or "-",
                      r["revoked_at"] or "-"] for r in rows])

    def revoke(self, prefix, **_):
        try:
            api_key = revoke_key(prefix)
        except LookupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"已吊销 {api_key.prefix}（{api_key.name or '-'}）")
