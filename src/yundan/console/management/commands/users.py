import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yundan.console.roles import ROLES, role_of, set_role
from yundan.terminal import print_json, print_table


class Command(BaseCommand):
    help = "控制台用户：创建、列出 / console users: create, list"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="创建用户或更新其角色和密码")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=list(ROLES))
        create.add_argument("--password-stdin", action="store_true", help="从标准输入读密码（脚本用）")
        listing = actions.add_parser("list", help="列出用户和角色")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        getattr(self, action)(**options)

    def _password(self, password_stdin: bool) -> str:
        if password_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("密码 / password: ")
        if first != getpass.getpass("再输入一次 / again: "):
            raise CommandError("两次输入的密码不一致 (passwords differ)")
        return first

    def create(self, username, role, password_stdin, **_):
        password = self._password(password_stdin)
        users = get_user_model()
        user = users.objects.filter(username=username).first() or users(username=username)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("密码不合格：" + "；".join(error.messages)) from error
        with transaction.atomic():
            user.set_password(password)
            user.is_staff = role == "admin"
            user.save()
            set_role(user, role)
        self.stdout.write(f"用户「{username}」：{ROLES[role]}（{role}）")

    def list(self, json, **_):
        rows = [{"username": u.username, "role": role_of(u), "active": u.is_active}
                for u in get_user_model().objects.order_by("username")]
        if json:
            print_json(rows)
        else:
            print_table(["用户名", "角色", "启用"], [[r["username"], r["role"] or "-", "是" if r["active"] else "否"]
                                                 for r in rows])
