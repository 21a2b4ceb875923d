"""The public tracking page and the buyer's order page: no login, no JavaScript needed, nothing
personal shown, the same answer for unknown and not-ours, and a rate limit with a friendly 429."""

import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db.models import Count, Q

from yundan.demo.builder import build_demo
from yundan.orders.models import Order
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the limiter counts in this process's memory, shared by tests and the live server


@pytest.fixture
def still_clock(monkeypatch):
    """The limiter's clock stands still mid-minute, so no test run straddles two windows."""
    monkeypatch.setattr("yundan.ratelimit.time", SimpleNamespace(time=lambda: 1_800_000_030.0))


@pytest.fixture
def demo(frozen_now):
    build_demo(120, seed=1)


def demo_package(**having) -> Package:
    """A shipped demo package whose events name a courier with a phone, and its order."""
    return (Package.objects.filter(shipped_at__isnull=False, events__courier_phone__gt="", **having)
            .select_related("order").order_by("id").first())


def unshipped_waybill() -> str:
    return Package.objects.filter(shipped_at__isnull=True, waybill_no__isnull=False).values_list(
        "waybill_no", flat=True).first()


def secrets_of(order: Order) -> list[str]:
    courier_phones = [p for p in order.packages.values_list("events__courier_phone", flat=True) if p]
    return [order.order_no, order.receiver_name, order.receiver_phone, order.receiver_address, order.buyer_id,
            str(order.amount), *order.items.values_list("name", flat=True), *courier_phones]


def test_track_shows_the_timeline_and_nothing_personal(demo, browser, live_server, screenshot):
    package = demo_package()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/track")
    page.fill("textarea[name=q]", f" {package.waybill_no.lower()} ")
    page.click("button[type=submit]")
    card = page.locator("article.package")
    assert card.locator("h2 .mono").inner_text() == package.waybill_no
    assert card.locator(".badge.sandbox").is_visible()
    assert card.locator(".timeline li").count() == package.events.count()
    assert "1******" in card.inner_text()  # the courier's phone, masked
    screenshot(page, "public-track-mobile")
    html = page.content()
    for secret in secrets_of(package.order):
        assert secret not in html, secret
    context.close()


def test_several_numbers_at_once_each_get_an_answer(demo, client):
    shipped = list(Package.objects.filter(shipped_at__isnull=False).values_list("waybill_no", flat=True)[:3])
    response = client.get("/track", {"q": "，".join(shipped) + "\nJDX999999999999"})
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="card package"') == 3
    assert html.count('class="card package missing"') == 1


def test_more_than_ten_numbers_is_refused_with_a_reason(client):
    response = client.get("/track", {"q": " ".join(f"JDX{n:012d}" for n in range(11))})
    assert response.status_code == 200 and "一次最多查询 10 个运单号，输入了 11 个" in response.content.decode()


def test_unknown_and_allocated_but_unshipped_numbers_answer_exactly_alike(demo, client):
    unshipped, unknown = unshipped_waybill(), "JDX999999999999"
    assert unshipped and not Package.objects.filter(waybill_no=unknown).exists()
    pages = [client.get(f"/track/{number}").content.decode().replace(number, "NUMBER")
             for number in (unshipped, unknown)]
    assert pages[0] == pages[1] and "没有查到这个运单号的物流信息" in pages[0]


def test_the_31st_number_within_a_minute_gets_a_friendly_429(still_clock, demo, client):
    waybill = demo_package().waybill_no
    for _ in range(30):
        assert client.get(f"/track/{waybill}").status_code == 200
    refused = client.get(f"/track/{waybill}")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert "查询太频繁" in refused.content.decode() and f"请 {refused['Retry-After']} 秒后再试" in refused.content.decode()
    # Another address has its own budget.
    assert client.get(f"/track/{waybill}", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_lookup_of_n_numbers_costs_n(still_clock, client, settings):
    settings.YUNDAN_PUBLIC_RATE_LIMIT = 25
    ten = " ".join(f"JDX{n:012d}" for n in range(10))
    assert client.get("/track", {"q": ten}).status_code == 200
    assert client.get("/track", {"q": ten}).status_code == 200
    assert client.get("/track", {"q": ten}).status_code == 429
    assert client.get("/track", {"q": "JDX000000000001 JDX000000000002"}).status_code == 200


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(still_clock, client, settings):
    settings.YUNDAN_PUBLIC_RATE_LIMIT = 1
    assert client.get("/track/JDX000000000001", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    # Not trusted: a made-up header does not buy a fresh budget.
    assert client.get("/track/JDX000000000001", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429
    settings.YUNDAN_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client.get("/track/JDX000000000001", HTTP_X_FORWARDED_FOR="3.3.3.3").status_code == 200
    assert client.get("/track/JDX000000000001", HTTP_X_FORWARDED_FOR="3.3.3.3").status_code == 429


def test_the_public_track_page_reads_with_one_query_and_sets_no_cookie(demo, client, django_assert_num_queries):
    waybill = demo_package().waybill_no
    with django_assert_num_queries(1):
        response = client.get(f"/track/{waybill}")
    assert response.status_code == 200 and not response.cookies


def shipped_order() -> Order:
    """A demo order with one shipped package and a courier phone in its events."""
    shipped = Count("packages", filter=Q(packages__shipped_at__isnull=False))
    return (Order.objects.annotate(n=Count("packages"), shipped=shipped)
            .filter(n=1, shipped=1, packages__events__courier_phone__gt="").order_by("id").first())


def test_my_order_with_the_right_pair_shows_the_order_and_its_timeline(demo, browser, live_server, screenshot):
    order = shipped_order()
    [package] = order.packages.all()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/track")
    page.click("text=查我的订单")
    page.fill("input[name=order_no]", order.order_no)
    page.fill("input[name=phone_last4]", order.receiver_phone_last4)
    page.click("button[type=submit]")
    section = page.locator("section.buyer-order")
    assert order.order_no in section.locator("h1").inner_text()
    for item in order.items.all():
        assert item.name in section.inner_text()
    assert page.locator("article.package h2 .mono").inner_text() == package.waybill_no
    assert page.locator("article.package .timeline li").count() == package.events.count()
    screenshot(page, "public-my-order-mobile")
    html = page.content()
    for secret in (order.receiver_name, order.receiver_phone, order.receiver_address, order.buyer_id):
        assert secret not in html
    context.close()


def test_my_order_with_a_wrong_pair_or_an_unknown_order_gives_one_generic_message(demo, browser, live_server):
    order = shipped_order()
    wrong = f"{(int(order.receiver_phone_last4) + 1) % 10_000:04d}"
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    answers = []
    for order_no, digits in ((order.order_no, wrong), ("399999999999", order.receiver_phone_last4)):
        page.goto(f"{live_server.url}/my-order")
        page.fill("input[name=order_no]", order_no)
        page.fill("input[name=phone_last4]", digits)
        page.click("button[type=submit]")
        answers.append(page.locator("[role=alert]").inner_text())
        assert page.locator("section.buyer-order").count() == 0
    assert answers[0] == answers[1] == "订单号或手机号后 4 位不正确，请核对后再试。"
    context.close()


def test_my_order_answers_wrong_and_unknown_with_the_same_page(demo, client):
    order = shipped_order()
    wrong = f"{(int(order.receiver_phone_last4) + 1) % 10_000:04d}"
    pages = []
    for order_no, digits in ((order.order_no, wrong), ("399999999999", order.receiver_phone_last4)):
        response = client.post("/my-order", {"order_no": order_no, "phone_last4": digits})
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        html = response.content.decode().replace(order_no, "ORDER")
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html))
    assert pages[0] == pages[1]


def test_my_order_says_plainly_what_is_wrong_with_the_form(client):
    response = client.post("/my-order", {"order_no": "JDX000234596031", "phone_last4": "5678"})
    assert "订单号应为 8–20 位数字（不是运单号）" in response.content.decode()


def test_guessing_one_orders_digits_from_many_addresses_stops_at_the_per_order_limit(
        still_clock, demo, client, settings):
    settings.YUNDAN_BUYER_LOOKUPS_PER_ORDER = 3
    order = shipped_order()
    statuses = [client.post("/my-order", {"order_no": order.order_no, "phone_last4": f"{n:04d}"},
                            REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(1, 5)]
    assert statuses == [200, 200, 200, 429]


def test_public_pages_link_nowhere_into_the_console(demo, client):
    html = client.get(f"/track/{demo_package().waybill_no}").content.decode() + client.get("/my-order").content.decode()
    links = set(re.findall(r'(?:href|action)="([^"]*)"', html))
    assert links and all(link in {"/track", "/my-order"} or link.startswith("/static/") for link in links), links


def test_carrier_text_with_markup_is_shown_as_text(client, make_order, frozen_now):
    from yundan.tracking.models import TrackingEvent

    package = Package.objects.create(order=make_order(), carrier="sandbox", waybill_no="JDX000000000321",
                                     shipped_at=frozen_now, status="in_transit")
    TrackingEvent.objects.create(package=package, time=frozen_now, status="in_transit", source="test", content_hash="x",
                                 raw_text='<script>alert(1)</script>到达', location='<b onclick="x">杭州</b>',
                                 courier_name="<i>王伟</i>", courier_phone="13900001111")
    html = client.get("/track/JDX000000000321").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;到达" in html
    assert "<b onclick" not in html and "<i>" not in html


def test_typed_text_comes_back_escaped_in_the_form(client):
    html = client.get("/track", {"q": "</textarea><script>x()</script>\x1etyped\x1e"}).content.decode()
    assert "<script>x()" not in html and "&lt;/textarea&gt;&lt;script&gt;x()&lt;/script&gt;" in html
    assert html.count("<textarea") == 1 and html.count("</textarea>") == 1
