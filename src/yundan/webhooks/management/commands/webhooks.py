from django.core.management.base import BaseCommand, CommandError

from yundan.orders.details import iso_time
from yundan.terminal import print_json, print_table
from yundan.webhooks.delivery import deliver_due
from yundan.webhooks.events import EventType
from yundan.webhooks.models import Delivery, DeliveryState
from yundan.webhooks.services import (
    WebhookError, create_endpoint, endpoints_with_health, get_endpoint, redeliver, redeliver_failed, set_enabled,
)

HEALTH = {"healthy": "正常", "failing": "失败中", "disabled": "已停用"}


def endpoint_row(health) -> dict:
    endpoint = health.endpoint
    return {"id": endpoint.pk, "url": endpoint.url, "description": endpoint.description, "events": endpoint.events,
            "enabled": endpoint.enabled, "health": health.state, "disabled_reason": endpoint.disabled_reason,
            "consecutive_failures": endpoint.consecutive_failures, "last_success_at": iso_time(endpoint.last_success_at),
            "pending": health.pending, "failed": health.failed}


class Command(BaseCommand):
    help = "Webhook 推送：添加端点、列表、启用/停用、投递记录、重新投递、立即发送 / webhooks out"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="添加端点（显示签名密钥）")
        add.add_argument("url")
        add.add_argument("--events", required=True, help=f"逗号分隔：{','.join(EventType.values)}")
        add.add_argument("--description", default="")
        add.add_argument("--json", action="store_true")

        listing = actions.add_parser("list", help="端点及其健康状况")
        listing.add_argument("--json", action="store_true")

        for name, text in (("enable", "启用端点：等待中的投递立即发送"), ("disable", "停用端点：投递等待，启用后再发")):
            toggle = actions.add_parser(name, help=text)
            toggle.add_argument("id", type=int)

        deliveries = actions.add_parser("deliveries", help="一个端点的投递记录，新的在前")
        deliveries.add_argument("id", type=int)
        deliveries.add_argument("--state", default="", choices=[""] + DeliveryState.values)
        deliveries.add_argument("--limit", type=int, default=50)
        deliveries.add_argument("--json", action="store_true")

        again = actions.add_parser("redeliver", help="重新投递：投递编号，或 --failed 所有已放弃的")
        again.add_argument("delivery_ids", nargs="*", type=int, metavar="DELIVERY_ID")
        again.add_argument("--failed", action="store_true")
        again.add_argument("--endpoint", type=int, default=None, help="与 --failed 一起：只限这个端点")

        actions.add_parser("deliver", help="立即发送到期的投递（平时由后台任务做）")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action)(**options)
        except WebhookError as error:
            raise CommandError(str(error)) from error

    def add(self, url, events, description, json, **_):
        endpoint = create_endpoint(url, events, description)
        if json:
            print_json({"id": endpoint.pk, "url": endpoint.url, "events": endpoint.events, "secret": endpoint.secret})
            return
        self.stdout.write(f"已添加端点 #{endpoint.pk} {endpoint.url}（{', '.join(endpoint.events)}）")
        self.stdout.write(f"签名密钥：{endpoint.secret}")
        self.stdout.write("请把密钥配置到接收方，用它验证 webhook-signature（见 docs/webhooks.md）")

    def list(self, json, **_):
        rows = [endpoint_row(health) for health in endpoints_with_health()]
        if json:
            print_json(rows)
            return
        if not rows:
            self.stdout.write("还没有 Webhook 端点；用 yundan webhooks add URL --events … 添加")
            return
        print_table(["编号", "地址", "事件", "状态", "等待", "已放弃", "最近成功", "说明"], [
            [r["id"], r["url"], ",".join(r["events"]),
             HEALTH[r["health"]] + (f"（{r['disabled_reason']}）" if r["disabled_reason"] else "")
             + (f" 连续失败 {r['consecutive_failures']} 次" if r["health"] == "failing" else ""),
             r["pending"], r["failed"], r["last_success_at"] or "—", r["description"]] for r in rows])

    def enable(self, id, **_):
        endpoint = set_enabled(get_endpoint(id), True)
        self.stdout.write(f"已启用端点 #{endpoint.pk}；等待中的投递将立即发送")

    def disable(self, id, **_):
        endpoint = set_enabled(get_endpoint(id), False)
        self.stdout.write(f"已停用端点 #{endpoint.pk}；新事件的投递会等待，启用后发送")

    def deliveries(self, id, state, limit, json, **_):
        rows = Delivery.objects.filter(endpoint=get_endpoint(id)).select_related("event").order_by("-pk")
        if state:
            rows = rows.filter(state=state)
        data = [{"id": d.pk, "event_id": d.event_id, "type": d.event.type, "state": d.state, "attempts": d.attempts,
                 "last_status_code": d.last_status_code, "last_error": d.last_error,
                 "next_attempt_at": iso_time(d.next_attempt_at), "created_at": iso_time(d.event.created_at)}
                for d in rows[:limit]]
        if json:
            print_json(data)
            return
        print_table(["投递", "事件编号", "事件", "状态", "次数", "最近结果", "下次发送"], [
            [r["id"], r["event_id"], r["type"], str(DeliveryState(r["state"]).label), r["attempts"],
             r["last_error"] or (r["last_status_code"] or "—"), r["next_attempt_at"] or "—"] for r in data])

    def redeliver(self, delivery_ids, failed, endpoint, **_):
        if failed == bool(delivery_ids):
            raise CommandError("请给出投递编号，或者 --failed（二选一）")
        if endpoint is not None and not failed:
            raise CommandError("--endpoint 只和 --failed 一起用")
        count = redeliver_failed(endpoint) if failed else redeliver(delivery_ids)
        self.stdout.write(f"已安排重新投递 {count} 个（事件编号不变，接收方可据此去重）")

    def deliver(self, **_):
        run = deliver_due()
        self.stdout.write(f"已送达 {run.delivered} 个，失败 {run.failed_tries} 次（其中 {run.given_up} 个已放弃）"
                          + (f"；停用了端点 {', '.join(f'#{pk}' for pk in run.disabled)}" if run.disabled else ""))
