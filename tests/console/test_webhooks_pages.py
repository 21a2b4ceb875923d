"""设置 → Webhook 推送 in a real browser: add an endpoint (secret shown, revealable), watch its health
while the receiver is down, read the attempts, redeliver, edit its events, disable and enable it."""

import pytest
from playwright.sync_api import expect

from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.webhooks.delivery import deliver_due
from yundan.webhooks.models import Endpoint

from webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_adds_an_endpoint_watches_it_fail_and_redelivers_once_the_receiver_is_back(
        signed_in, live_server, make_order, screenshot):
    receiver = Receiver()
    page = signed_in("admin")
    page.goto(f"{live_server.url}/settings/")
    page.click("nav.subnav a:text-is('Webhook 推送')")
    page.fill("input[name=url]", "ftp://erp.example.com/hook")
    page.fill("input[name=description]", "旺店通 ERP")
    page.check("input[name=events][value='package.shipped']")
    page.check("input[name=events][value='order.updated']")
    page.click("form.stack button[type=submit]")
    expect(page.locator("form.stack .errorlist")).to_contain_text("不是有效的 http(s) 地址")
    assert not Endpoint.objects.exists()

    page.fill("input[name=url]", receiver.url)
    page.click("form.stack button[type=submit]")
    endpoint = Endpoint.objects.get()
    expect(page.locator("#secret")).to_have_text(endpoint.secret)  # shown once after adding
    assert endpoint.events == ["package.shipped", "order.updated"] and endpoint.description == "旺店通 ERP"
    receiver.secret = endpoint.secret

    make_order("312345678901")
    confirm_shipments([ShipmentRequest("312345678901")])
    deliver_due()  # the receiver is down
    page.goto(f"{live_server.url}/settings/webhooks/")
    row = page.locator(f"tr[data-endpoint='{endpoint.pk}']")
    expect(row.locator("td.health")).to_contain_text("失败中")
    expect(row.locator("td.health")).to_contain_text("连续失败 2 次")
    assert endpoint.secret not in page.content()  # the list never shows it

    row.locator("a:text-is('详情')").click()
    expect(page.locator("#secret-box")).not_to_contain_text(endpoint.secret)  # masked until asked
    page.click("#secret-box button:text-is('显示密钥')")  # htmx swaps in the secret
    expect(page.locator("#secret")).to_have_text(endpoint.secret)
    expect(page.locator("table.deliveries tbody tr")).to_have_count(2)
    expect(page.locator("table.deliveries")).to_contain_text("等待发送")

    page.locator("table.deliveries tbody tr").first.locator("td a").click()
    expect(page.locator("table.attempts")).to_contain_text("无法连接")
    with receiver:
        page.click("section.card button:text-is('重新投递')")
        expect(page.locator(".messages")).to_contain_text("已安排重新投递")
        page.goto(f"{live_server.url}/settings/webhooks/{endpoint.pk}/")
        page.locator("table.deliveries tbody tr").nth(1).locator("button:text-is('重新投递')").click()
        assert deliver_due().delivered == 2
    assert len(receiver.processed) == 2 and receiver.rejected == []
    page.reload()
    expect(page.locator("table.deliveries td.state.d-delivered")).to_have_count(2)
    expect(page.locator("p.health")).to_contain_text("正常")
    page.locator("table.deliveries tbody tr").first.locator("td a").click()
    expect(page.locator("table.attempts tr[data-attempt='2']")).to_contain_text("200")
    expect(page.locator("pre.payload")).to_contain_text('"order_no": "312345678901"')
    screenshot(page, "settings-webhook-delivery")

    page.click("section.card a.mono")
    page.uncheck("input[name=events][value='order.updated']")
    page.click("form.stack button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已保存")
    assert Endpoint.objects.get().events == ["package.shipped"]

    page.click("form.inline button:text-is('停用')")
    assert not Endpoint.objects.get().enabled
    page.goto(f"{live_server.url}/settings/webhooks/")
    expect(page.locator(f"tr[data-endpoint='{endpoint.pk}'] td.health")).to_contain_text("已停用")
    screenshot(page, "settings-webhooks")
    page.locator(f"tr[data-endpoint='{endpoint.pk}'] button:text-is('启用')").click()
    expect(page.locator(f"tr[data-endpoint='{endpoint.pk}'] td.health")).to_contain_text("正常")
    assert Endpoint.objects.get().enabled
