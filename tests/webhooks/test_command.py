"""yundan webhooks: add, list, disable/enable, deliveries, redeliver, deliver."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def run(capsys, *args):
    call_command("webhooks", *args)
    return capsys.readouterr().out


def test_an_admin_adds_an_endpoint_sends_by_hand_and_redelivers_from_the_command_line(
        capsys, receiver, make_order, frozen_now, settings):
    settings.YUNDAN_WEBHOOK_RETRY_SCHEDULE = "1s"
    added = json.loads(run(capsys, "add", receiver.url, "--events", "package.shipped,order.updated", "--json"))
    assert added["secret"].startswith("whsec_") and added["events"] == ["package.shipped", "order.updated"]
    receiver.secret = added["secret"]
    make_order("312345678901")
    confirm_shipments([ShipmentRequest("312345678901")])

    assert "已送达 0 个，失败 2 次" in run(capsys, "deliver")  # the receiver is down
    [row] = json.loads(run(capsys, "list", "--json"))
    assert (row["health"], row["pending"], row["consecutive_failures"]) == ("failing", 2, 2)
    assert "失败中" in run(capsys, "list")

    receiver.start()
    failed = Delivery.objects.first()
    run(capsys, "disable", str(added["id"]))
    assert not Endpoint.objects.get().enabled
    assert "已送达 0 个" in run(capsys, "deliver")  # disabled: waits
    assert "已启用端点" in run(capsys, "enable", str(added["id"]))
    assert "已送达 2 个" in run(capsys, "deliver")
    deliveries = json.loads(run(capsys, "deliveries", str(added["id"]), "--json"))
    assert {d["state"] for d in deliveries} == {"delivered"} and {d["attempts"] for d in deliveries} == {2}

    assert "重新投递 1 个" in run(capsys, "redeliver", str(failed.pk))
    run(capsys, "deliver")
    assert receiver.duplicates == 1 and len(receiver.processed) == 2
    assert "重新投递 0 个" in run(capsys, "redeliver", "--failed", "--endpoint", str(added["id"]))


@pytest.mark.parametrize(("args", "message"), [
    (["add", "ftp://erp.example.com/hook", "--events", "package.shipped"], "url: 「ftp://erp.example.com/hook」不是有效"),
    (["add", "https://erp.example.com/hook", "--events", "package.lost"], "未知的事件类型 package.lost"),
    (["enable", "99"], "端点 #99 不存在"),
    (["redeliver", "99"], "投递 #99 不存在"),
    (["redeliver"], "二选一"),
    (["redeliver", "--endpoint", "1", "5"], "只和 --failed"),
])
def test_bad_input_is_named(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("webhooks", *args)
