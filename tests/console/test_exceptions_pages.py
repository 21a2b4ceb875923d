"""异常件处理 in a real browser: the queue, an exception worked from open to resend, and the viewer."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from yundan.carriers.base import TraceEvent
from yundan.console.views.exceptions import PER_PAGE
from yundan.exceptions.kinds import ExceptionKind as K
from yundan.exceptions.models import ParcelException
from yundan.exceptions.services import sweep
from yundan.shipping.models import Package
from yundan.tracking.ingest import ingest
from yundan.tracking.services import refresh_packages
from yundan.tracking.statuses import TrackingStatus as T

from factories import NOW

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13812345678"


def refresh(package):
    refresh_packages([Package.objects.select_related("order__shop").get(pk=package.pk)])


def shipped(make_order, order_no, waybill, days_ago):
    order = make_order(order_no, status="shipped", amount=Decimal("199.00"))
    return Package.objects.create(order=order, carrier="sandbox", waybill_no=waybill,
                                  printed_at=NOW - timedelta(days=days_ago), shipped_at=NOW - timedelta(days=days_ago))


@pytest.fixture
def stalled(make_order, settings):
    """A sandbox parcel shipped 6 days ago that stopped moving (scenario 3), swept into the queue."""
    settings.YUNDAN_NOW = NOW
    package = shipped(make_order, "312345678901", "JDX930000000001", 6)
    refresh(package)
    sweep()
    return package.exceptions.get(kind=K.STALLED)


def state(page):
    return page.locator("#state")


def act(page, action, note=""):
    form = page.locator(f"form[data-action={action}]")
    if note:
        form.locator("input[name=note]").fill(note)
    form.locator("button").click()
    page.wait_for_load_state()


def csrf_token(page) -> str:
    return json.loads(page.get_attribute("body", "hx-headers"))["X-CSRFToken"]


def test_the_queue_filters_and_an_exception_is_worked_from_open_to_resend(
        signed_in, live_server, stalled, settings, screenshot):
    page = signed_in("operator")
    page.goto(f"{live_server.url}/exceptions/")
    row = page.locator("table.queue tbody tr", has_text=f"#{stalled.pk}")
    expect(row).to_contain_text("中转停滞")
    expect(row).to_contain_text("待处理")
    expect(row).to_contain_text("312345678901")
    expect(row).to_contain_text("JDX930000000001")
    expect(row).to_contain_text("发现")
    assert row.locator("a", has_text="312345678901").get_attribute("href") == reverse("order", args=[stalled.package.order_id])
    screenshot(page, "exceptions-queue")

    page.select_option("select[name=kind]", "lost")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.queue tbody")).to_contain_text("没有符合条件的异常")
    page.goto(f"{live_server.url}/exceptions/?kind=stalled&older_than=1h")  # opened just now
    expect(page.locator("table.queue tbody")).to_contain_text("没有符合条件的异常")
    page.goto(f"{live_server.url}/exceptions/?older_than=soon")
    expect(page.locator(".error")).to_contain_text("2d")
    page.goto(f"{live_server.url}/exceptions/?kind=stalled&state=open")
    page.click(f"table.queue a:text-is('#{stalled.pk}')")

    page.wait_for_url(f"**/exceptions/{stalled.pk}/")
    expect(page.locator("h1")).to_contain_text("中转停滞")
    expect(state(page)).to_have_text("待处理")
    expect(page.locator(".badge.sandbox")).to_be_visible()
    expect(page.locator(".timeline li").first).to_contain_text("运输中")
    expect(page.locator("#receiver-phone")).to_have_text("1******5678")

    act(page, "contact_buyer")
    expect(page.locator("#contact")).to_contain_text(PHONE)  # the operator sees the full number once
    expect(state(page)).to_have_text("处理中")
    expect(page.locator("table.log")).to_contain_text("1******5678")
    page.goto(f"{live_server.url}/exceptions/{stalled.pk}/")
    assert PHONE not in page.content()  # not kept anywhere the page reads again

    act(page, "contact_courier")
    courier = stalled.package.events.exclude(courier_phone="").first()
    expect(page.locator("#contact")).to_contain_text(f"{courier.courier_name} · 电话 {courier.courier_phone}")

    stale = page.context.new_page()  # a second tab, still offering 补发 for a case in progress
    stale.goto(f"{live_server.url}/exceptions/{stalled.pk}/")
    act(page, "request_return", "客户不要了")
    expect(state(page)).to_have_text("已申请退回")
    expect(page.locator(".messages")).to_contain_text("申请拦截退回")
    act(stale, "resend")
    expect(stale.locator(".messages li.error")).to_contain_text("退回途中")
    expect(state(stale)).to_have_text("已申请退回")
    assert stalled.log.count() == 4  # opened, two contacts, the return: the refused resend left nothing

    settings.YUNDAN_NOW = NOW + timedelta(days=10)
    refresh(stalled.package)  # the sandbox has turned the parcel back by now
    page.reload()
    expect(page.locator("dd.s-returned")).to_have_text("已退回")
    act(page, "mark_returned", "已入库")
    expect(state(page)).to_have_text("已退回仓库")
    act(page, "resend", "补发新品")
    expect(state(page)).to_have_text("已解决")
    stalled.refresh_from_db()
    new_waybill = stalled.resend_package.waybill_no
    expect(page.locator("#resend-waybill")).to_have_text(new_waybill)
    last = page.locator("table.log tbody tr").last
    expect(last).to_contain_text("补发")
    expect(last).to_contain_text(new_waybill)
    expect(last).to_contain_text("已退回仓库 → 已解决")
    expect(last).to_contain_text("operator")
    forms = page.locator("form[data-action]")
    expect(forms).to_have_count(1)  # a finished case still takes a note, nothing else
    assert forms.get_attribute("data-action") == "note"
    screenshot(page, "exception-detail")

    page.goto(f"{live_server.url}/exceptions/")
    expect(page.locator("table.queue tbody")).not_to_contain_text(f"#{stalled.pk}")  # unfinished only
    page.check("input[name=all]")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.queue tbody tr", has_text=f"#{stalled.pk}")).to_contain_text("已解决")


def test_a_refund_needs_an_amount_and_a_close_needs_a_reason(signed_in, live_server, stalled):
    page = signed_in("operator")
    page.goto(f"{live_server.url}/exceptions/{stalled.pk}/")
    act(page, "close")  # the reason is required: the browser does not send the form…
    expect(page.locator("form[data-action=close] input[name=note]:invalid")).to_have_count(1)
    answer = page.request.post(f"{live_server.url}/exceptions/{stalled.pk}/act/",
                               form={"csrfmiddlewaretoken": csrf_token(page), "action": "close", "note": " "})
    assert "关闭异常需要说明原因" in answer.text()  # …and the server refuses it too
    assert stalled.log.count() == 1
    refund = page.locator("form[data-action=refund]")
    refund.locator("input[name=amount]").fill("500")
    refund.locator("button").click()
    expect(page.locator(".messages li.error")).to_contain_text("超过订单金额")
    refund = page.locator("form[data-action=refund]")
    refund.locator("input[name=amount]").fill("199")
    refund.locator("button").click()
    expect(state(page)).to_have_text("已解决")
    expect(page.locator("table.log tbody tr").last).to_contain_text("¥199.00")


def test_the_viewer_reads_the_queue_and_the_detail_but_cannot_act(
        signed_in, live_server, stalled, make_order):
    delivered = shipped(make_order, "312345678902", "JDX910000000001", 6)
    refresh(delivered)
    ingest([(delivered.pk, [TraceEvent(NOW - timedelta(hours=2), T.IN_TRANSIT, "运输", "快件已到达【杭州转运中心】",
                                       "杭州转运中心")])], "test")
    sweep()
    anomaly = delivered.exceptions.get(kind=K.SIGN_ANOMALY)

    page = signed_in("viewer")
    page.goto(f"{live_server.url}/exceptions/")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    page.goto(f"{live_server.url}/exceptions/{anomaly.pk}/")
    late = page.locator(".timeline li", has_text="签收后")
    expect(late).to_have_count(1)
    expect(late).to_contain_text("杭州转运中心")
    page.goto(f"{live_server.url}/exceptions/{stalled.pk}/")
    expect(page.locator("form[data-action]")).to_have_count(0)
    expect(page.locator("#receiver-phone")).to_have_text("1******5678")
    assert PHONE not in page.content()

    answer = page.request.post(f"{live_server.url}/exceptions/{stalled.pk}/act/", max_redirects=0,
                               form={"csrfmiddlewaretoken": csrf_token(page), "action": "contact_buyer"})
    assert answer.status == 403 and "CSRF" not in answer.text()
    assert PHONE not in answer.text()
    assert [e.action for e in stalled.log.all()] == ["opened"]
    stalled.refresh_from_db()
    assert stalled.state == "open"



def test_the_queue_pages_oldest_first_keeps_its_filters_and_costs_a_fixed_number_of_queries(
        client, console_users, make_order, settings, django_assert_max_num_queries):
    settings.YUNDAN_NOW = NOW
    for n in range(PER_PAGE + 3):  # opened n hours ago
        package = shipped(make_order, f"3123456{n:05d}", f"JDX93{n:010d}", 6)
        ParcelException.objects.create(package=package, kind=K.STALLED, reason="停滞", opened_at=NOW - timedelta(hours=n))
    client.force_login(console_users["viewer"])
    query = {"kind": "stalled", "older_than": "2h"}  # leaves out the two opened within 2 hours
    with django_assert_max_num_queries(8):
        first = client.get(reverse("exceptions"), query)
    page = first.context["page"]
    assert (page.paginator.count, len(page)) == (PER_PAGE + 1, PER_PAGE)
    assert page[0].opened_at == NOW - timedelta(hours=PER_PAGE + 2)  # the oldest first
    assert "?kind=stalled&amp;older_than=2h&amp;page=2" in first.content.decode()
    second = client.get(reverse("exceptions"), query | {"page": 2}).context["page"]
    assert [e.opened_at for e in second] == [NOW - timedelta(hours=2)]
