"""订单管理 in the console: the order list and the order detail, in a real browser and through the test
client (query counts, keyset pages)."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from yundan.orders.models import Order, OrderItem
from yundan.orders.search import OrderQuery, page_orders, search_orders
from yundan.shipping.models import Package
from yundan.tracking.models import TrackingEvent
from yundan.tracking.services import refresh_packages

from factories import NOW

pytestmark = pytest.mark.django_db(transaction=True)

SPLIT, PRINTED, PLAIN = "312345678901", "312345678902", "312345678903"
SCRIPT_REMARK = "<script>window.pwned = 1</script>请周末送货"


def shipped_package(order, sequence, waybill, days_ago=3):
    return Package.objects.create(order=order, sequence=sequence, carrier="sandbox", waybill_no=waybill,
                                  printed_at=NOW - timedelta(days=days_ago, hours=1), print_count=1,
                                  shipped_at=NOW - timedelta(days=days_ago))


@pytest.fixture
def orders(make_order, frozen_now):
    """A split shipment tracked through the sandbox, a printed-unconfirmed order, a plain one."""
    split = make_order(SPLIT, status="shipped", receiver_phone="13812345678", receiver_phone_last4="5678",
                       ordered_at=NOW - timedelta(days=4))
    for sku, name in (("100012345678", "保温杯"), ("100012345679", "茶叶礼盒")):
        OrderItem.objects.create(order=split, sku_id=sku, name=name, quantity=1)
    shipped_package(split, 1, "JDX910000000001")  # scenario 1: delivered
    shipped_package(split, 2, "JDX920000000002")  # scenario 2: locker pickup
    refresh_packages(list(Package.objects.filter(order=split).select_related("order__shop")))
    printed = make_order(PRINTED, receiver_phone="13900001234", receiver_phone_last4="1234",
                         ordered_at=NOW - timedelta(hours=5))
    OrderItem.objects.create(order=printed, sku_id="100012345680", name="蓝牙耳机", quantity=2)
    Package.objects.create(order=printed, carrier="sandbox", waybill_no="JDX910000000003",
                           printed_at=NOW - timedelta(hours=1), print_count=1)
    plain = make_order(PLAIN, receiver_phone="13700005678", receiver_phone_last4="5678", remark=SCRIPT_REMARK,
                       ordered_at=NOW - timedelta(hours=2))
    OrderItem.objects.create(order=plain, sku_id="100012345681", name="数据线", quantity=1)
    return {"split": split, "printed": printed, "plain": plain}


def listed(page) -> list[str]:
    return page.locator("table.orders tbody a.mono").all_inner_texts()


def search(page, field: str, value: str) -> list[str]:
    page.fill("input[name=order_no]", "")
    page.fill("input[name=phone]", "")
    page.fill("input[name=waybill_no]", "")
    page.fill(f"input[name={field}]", value)
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    return listed(page)


# --- in the browser -----------------------------------------------------------------------------


def test_orders_are_found_by_full_phone_by_its_last_four_digits_and_by_waybill(signed_in, orders, screenshot):
    page = signed_in("operator")
    assert listed(page) == [PLAIN, PRINTED, SPLIT]  # newest first
    screenshot(page, "orders-list")
    assert search(page, "phone", "138 1234 5678") == [SPLIT]
    assert search(page, "phone", "5678") == [PLAIN, SPLIT]
    assert search(page, "waybill_no", "JDX920000000002") == [SPLIT]
    row = page.locator("table.orders tbody tr")
    assert "1******5678" in row.inner_text() and "13812345678" not in row.inner_text()
    assert "JDX910000000001" in row.inner_text() and "沙箱" in row.inner_text()
    assert search(page, "phone", "12") == [] and page.locator(".error").count() == 1


def test_a_split_shipment_shows_both_packages_with_their_timelines_newest_first(signed_in, orders, screenshot):
    page = signed_in("operator")
    page.click(f"text={SPLIT}")
    page.wait_for_url(f"**/orders/{orders['split'].pk}/")
    packages = page.locator("article.package")
    assert packages.count() == 2
    for number, waybill in enumerate(("JDX910000000001", "JDX920000000002")):
        card = packages.nth(number)
        assert waybill in card.inner_text() and card.locator(".badge.sandbox").count() == 1
        times = card.locator("li.event .when").all_inner_texts()
        assert len(times) >= 3 and times == sorted(times, reverse=True)
    assert page.locator("li.event .courier").count() >= 1  # delivery events name the courier
    assert page.locator("li.event strong.s-delivered").count() >= 1
    assert page.locator(".receiver-phone").inner_text() == "13812345678"  # an operator sees it in full
    screenshot(page, "order-detail")
    page.click("button:has-text('查看物流')")
    page.wait_for_selector("text=已刷新物流")  # htmx swapped the packages in place
    assert page.locator("article.package").count() == 2


def test_a_printed_unconfirmed_order_explains_itself_and_is_confirmed_from_there(signed_in, orders):
    page = signed_in("operator")
    page.goto(page.url + f"{orders['printed'].pk}/")
    note = page.locator(".note.unconfirmed")
    assert "尚未确认发货" in note.inner_text() and PRINTED in note.inner_text()
    note.locator("button:has-text('确认发货')").click()
    page.wait_for_selector(".messages")
    assert "已确认发货，物流单号：JDX910000000003" in page.locator(".messages").inner_text()
    assert page.locator(".note.unconfirmed").count() == 0
    assert "已打印，未发货" not in page.locator("article.package").inner_text()
    package = Package.objects.get(waybill_no="JDX910000000003")
    assert package.shipped_at is not None and package.order.status == "shipped"
    page.click("text=订单管理")
    assert "JDX910000000003" in page.locator("table.orders tbody tr", has_text=PRINTED).inner_text()


def test_print_labels_downloads_the_orders_pdf(signed_in, orders):
    page = signed_in("operator")
    page.goto(page.url + f"{orders['printed'].pk}/")
    with page.expect_download() as download:
        page.click("button:has-text('打印面单')")
    assert download.value.suggested_filename == f"labels-{PRINTED}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def post_from_page(page, url: str):
    """A POST the page's own scripts could make: with the CSRF token the page carries."""
    token = json.loads(page.locator("body").get_attribute("hx-headers"))["X-CSRFToken"]
    return page.request.post(url, headers={"X-CSRFToken": token}, max_redirects=0)


def test_a_viewer_sees_masked_phones_no_action_buttons_and_cannot_post(signed_in, live_server, orders):
    page = signed_in("viewer")
    assert page.locator("input[name=order_no][type=checkbox]").count() == 0
    assert "1******5678" in page.locator("table.orders").inner_text()
    page.goto(f"{live_server.url}/orders/{orders['printed'].pk}/")
    assert page.locator(".receiver-phone").inner_text() == "1******1234"
    assert "13900001234" not in page.content()
    for action in ("查看物流", "打印面单", "确认发货"):
        assert page.locator(f"button:has-text('{action}')").count() == 0
    assert "尚未确认发货" in page.locator(".note.unconfirmed").inner_text()  # the explanation still shows
    ship = f"{live_server.url}{reverse('order-ship', args=[orders['printed'].pk])}"
    assert post_from_page(page, ship).status == 403
    assert Order.objects.get(pk=orders["printed"].pk).status == "awaiting_shipment"
    operator = signed_in("operator")
    operator.goto(f"{live_server.url}/orders/{orders['printed'].pk}/")
    assert post_from_page(operator, ship).status == 302  # the same request, by a role that may act


def test_a_remark_with_a_script_is_shown_as_text_and_never_runs(signed_in, live_server, orders):
    page = signed_in("operator")
    page.goto(f"{live_server.url}/orders/{orders['plain'].pk}/")
    assert page.locator(".remark").inner_text() == SCRIPT_REMARK
    assert page.locator(".remark script").count() == 0
    assert page.evaluate("window.pwned") is None


# --- through the test client ----------------------------------------------------------------------


@pytest.fixture
def operator_client(client, console_users):
    client.force_login(console_users["operator"])
    return client


def many_orders(shop, count: int, packages: int = 2) -> list[Order]:
    orders = Order.objects.bulk_create(
        Order(shop=shop, order_no=str(320000000000 + i), receiver_name="李四", receiver_phone="13812345678",
              receiver_phone_last4="5678", ordered_at=NOW - timedelta(minutes=i)) for i in range(count)
    )
    Package.objects.bulk_create(
        Package(order=order, sequence=n, carrier="sandbox", waybill_no=f"JDX91{order.pk:05d}{n:05d}",
                printed_at=NOW, shipped_at=NOW) for order in orders for n in range(1, packages + 1)
    )
    return orders


def test_the_list_page_costs_the_same_few_queries_for_fifty_rows(operator_client, shop, django_assert_max_num_queries):
    many_orders(shop, 60)
    with django_assert_max_num_queries(7):
        response = operator_client.get(reverse("orders"))
    assert response.status_code == 200
    assert response.content.decode().count('type="checkbox" name="order_no"') == 50
    assert 'rel="next"' in response.content.decode()


def test_the_detail_page_costs_the_same_few_queries_for_three_packages_and_many_events(
        operator_client, shop, django_assert_max_num_queries):
    [order] = many_orders(shop, 1, packages=3)
    OrderItem.objects.create(order=order, sku_id="1", name="保温杯")
    TrackingEvent.objects.bulk_create(
        TrackingEvent(package=package, time=NOW - timedelta(hours=h), status="in_transit", raw_text=f"到达 {h}",
                      courier_name="王师傅", courier_phone="13800001111", source="sandbox", content_hash=f"{h}")
        for package in order.packages.all() for h in range(20)
    )
    with django_assert_max_num_queries(8):
        response = operator_client.get(reverse("order", args=[order.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('class="event"') == 60


def test_refresh_answers_htmx_with_the_packages_and_a_form_with_a_redirect(operator_client, orders):
    url = reverse("order-refresh", args=[orders["split"].pk])
    fragment = operator_client.post(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.content.decode().startswith('<section id="packages">')
    assert "已刷新物流" in fragment.content.decode()
    assert operator_client.post(url)["Location"] == reverse("order", args=[orders["split"].pk])
    assert operator_client.get(url).status_code == 405


def test_a_canceled_order_cannot_be_printed_and_says_why(operator_client, make_order):
    order = make_order("312345678909", status="canceled")
    response = operator_client.post(reverse("order-labels", args=[order.pk]), follow=True)
    assert "订单已取消" in response.content.decode()
    assert not Package.objects.filter(order=order).exists()


def test_the_date_range_is_whole_days_in_beijing_time(operator_client, make_order):
    make_order("312345678911", ordered_at=NOW.replace(hour=0, minute=30))  # 2026-11-27 00:30 +08:00
    make_order("312345678912", ordered_at=NOW.replace(hour=0, minute=30) - timedelta(hours=1))
    page = operator_client.get(reverse("orders"), {"from": "2026-11-27", "to": "2026-11-27"}).content.decode()
    assert "312345678911" in page and "312345678912" not in page
    assert "年-月-日" in operator_client.get(reverse("orders"), {"from": "27/11/2026"}).content.decode()


def test_keyset_pages_walk_every_order_once_forward_and_back(shop):
    """Ties on the order time and orders without one are where keyset pagination goes wrong."""
    for i in range(23):
        Order.objects.create(shop=shop, order_no=str(330000000000 + i),
                             ordered_at=None if i % 7 == 0 else NOW - timedelta(hours=i // 3))
    everything = [o.pk for o in search_orders(OrderQuery())]
    pages, page = [], page_orders(search_orders(OrderQuery()), 5)
    while True:
        pages.append([o.pk for o in page.orders])
        if page.next is None:
            break
        page = page_orders(search_orders(OrderQuery()), 5, after=page.next)
    assert [pk for chunk in pages for pk in chunk] == everything and len(pages) == 5
    for expected in reversed(pages[:-1]):
        page = page_orders(search_orders(OrderQuery()), 5, before=page.previous)
        assert [o.pk for o in page.orders] == expected
    assert page.previous is None


def test_last_four_digits_page_through_their_own_index(shop):
    many_orders(shop, 12, packages=1)
    query = search_orders(OrderQuery(phone="5678"))
    first = page_orders(query, 10)
    second = page_orders(query, 10, after=first.next)
    assert len(first.orders) == 10 and len(second.orders) == 2 and second.next is None
