"""Pulling JD orders against the jos JOS gateway: windows, pages, the watermark, failures."""

from datetime import datetime, timedelta

import pytest
from fakes.jd_jos import jd_time

from yundan.integrations.jd_api import is_true
from yundan.integrations.jd_sync import sync_orders, windows
from yundan.integrations.models import JdOrder, JdOrderRejection, JdOrderSync
from yundan.orders.models import Order

from factories import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def jd(shop, link_jd_shop, frozen_now):
    return link_jd_shop(shop, window_hours="1", page_size="3", initial_days="1")


def order_no(n: int) -> str:
    return f"3000000{n:05d}"


def add_orders(jos, ago: dict[int, timedelta], **fields) -> None:
    """Orders ``order_no(n)`` that JD last modified ``ago[n]`` before NOW."""
    for n, delta in ago.items():
        jos.add_order(order_no(n), NOW - delta, **fields)


def stored() -> dict[str, str]:
    return dict(Order.objects.values_list("order_no", "remark"))


def test_windows_cover_the_span_without_gaps():
    start = datetime(2026, 11, 1, 0, 0)
    cuts = windows(start, start + timedelta(hours=50), timedelta(hours=24))
    assert cuts == [(start, start + timedelta(hours=24)), (start + timedelta(hours=24), start + timedelta(hours=48)),
                    (start + timedelta(hours=48), start + timedelta(hours=50))]
    assert windows(start, start, timedelta(hours=1)) == []


def test_a_sync_over_several_windows_and_pages_stores_every_order_exactly_once(jd, jos):
    add_orders(jos, {n: timedelta(minutes=13 * n) for n in range(1, 21)})
    report = sync_orders(jd)
    assert report.error == "" and (report.created, report.updated, report.unchanged, report.rejected) == (20, 0, 0, [])
    assert report.windows == 24 and report.fetched == 20
    assert Order.objects.filter(shop=jd.shop).count() == 20 and JdOrder.objects.count() == 20
    assert set(stored()) == {order_no(n) for n in range(1, 21)}
    pages = [s["page"] for s in jos.searches()]
    assert pages.count("2") >= 3 and report.pages == len(pages)  # windows of 4–5 orders took 2 pages
    jd.refresh_from_db()
    assert jd.synced_until == NOW and jd.last_run_at == NOW and jd.last_error == ""
    order = Order.objects.get(order_no=order_no(1))
    assert (order.status, order.receiver_province, order.receiver_city, order.receiver_address) == (
        "awaiting_shipment", "浙江省", "杭州市", "文三路90号1号楼302室")
    assert list(order.items.values_list("sku_id", "quantity")) == [("100012043978", 2)]
    link = order.jd_order
    assert (link.state, link.modified, link.sync_id) == ("WAIT_SELLER_STOCK_OUT", NOW - timedelta(minutes=13), jd.pk)


def test_the_search_asks_by_modification_time_in_beijing_time(jd, jos):
    sync_orders(jd)
    first = jos.searches()[0]
    assert first == {
        "start_date": "2026-11-26 10:00:00", "end_date": "2026-11-26 11:00:00",
        "order_state": "WAIT_SELLER_STOCK_OUT,WAIT_GOODS_RECEIVE_CONFIRM,FINISHED_L,TRADE_CANCELED,LOCKED,PAUSE,"
                       "POP_ORDER_PAUSE",
        "optional_fields": "orderId,orderState,orderStartTime,modified,orderTotalPrice,orderPayment,pin,"
                           "venderRemark,consigneeInfo,itemInfoList,waybill,logisticsId",
        "page": "1", "page_size": "3", "dateType": "0",
    }


def test_running_again_changes_nothing(jd, jos, settings):
    add_orders(jos, {n: timedelta(minutes=n) for n in range(1, 8)})  # all inside the overlap
    sync_orders(jd)
    touched = list(Order.objects.order_by("pk").values_list("updated_at", flat=True))
    settings.YUNDAN_NOW = NOW + timedelta(minutes=5)
    jos.calls.clear()
    report = sync_orders(jd)
    assert (report.created, report.updated, report.unchanged, report.fetched) == (0, 0, 7, 7)
    assert list(Order.objects.order_by("pk").values_list("updated_at", flat=True)) == touched
    # One window, from the watermark less the 10 minutes of overlap, to now.
    windows_read = {(s["start_date"], s["end_date"]) for s in jos.searches()}
    assert windows_read == {("2026-11-27 09:50:00", "2026-11-27 10:05:00")}
    jd.refresh_from_db()
    assert jd.synced_until == NOW + timedelta(minutes=5)


def test_a_failure_on_page_3_keeps_the_watermark_before_that_window_and_a_rerun_completes(jd, jos):
    add_orders(jos, {1: timedelta(hours=3, minutes=30), 2: timedelta(hours=3, minutes=20)})  # window 06:00–07:00
    add_orders(jos, {n: timedelta(hours=2, minutes=n) for n in range(10, 20)})  # 07:00–08:00, 4 pages
    add_orders(jos, {30: timedelta(minutes=30), 31: timedelta(minutes=5)})
    jos.search_refusals = {3: ("1500", "系统繁忙，请稍后再试")}
    report = sync_orders(jd)
    assert "系统繁忙" in report.error and "1500" in report.error
    jd.refresh_from_db()
    assert jd.synced_until == NOW - timedelta(hours=3) and "系统繁忙" in jd.last_error
    assert report.watermark == NOW - timedelta(hours=3)
    assert set(stored()) == {order_no(1), order_no(2)} | {order_no(n) for n in range(14, 20)}  # pages 1, 2

    report = sync_orders(jd)
    assert report.error == "" and report.created == 6  # the rest of that window and the last one
    assert set(stored()) == {order_no(n) for n in (1, 2, 30, 31, *range(10, 20))}
    assert Order.objects.count() == 14 == JdOrder.objects.count()
    jd.refresh_from_db()
    assert jd.synced_until == NOW and jd.last_error == ""


def test_an_order_modified_while_its_window_is_read_loses_no_other_and_comes_next_time(jd, jos, settings):
    add_orders(jos, {n: timedelta(minutes=50 - n) for n in range(1, 8)})  # one window, 3 pages

    def modify_the_first_while_page_2_is_read(params):
        if params["page"] == "2" and jos.orders[order_no(1)]["venderRemark"] == "":
            jos.orders[order_no(1)].update(modified=jd_time(NOW + timedelta(seconds=30)), venderRemark="改地址")

    jos.on_search = modify_the_first_while_page_2_is_read
    report = sync_orders(jd)
    # Order 1 left the window (its modified is now later): order 4 slid onto page 1, already read.
    # The changed orderTotal made the window be read again, so order 4 was not missed.
    assert report.error == "" and set(stored()) == {order_no(n) for n in range(1, 8)}
    assert stored()[order_no(1)] == ""  # the version before the change…
    settings.YUNDAN_NOW = NOW + timedelta(minutes=10)
    report = sync_orders(jd)
    assert (report.updated, stored()[order_no(1)]) == (1, "改地址")  # …and the change, next time


def test_a_window_that_keeps_changing_fails_the_run_and_keeps_the_watermark(jd, jos):
    add_orders(jos, {n: timedelta(minutes=50 - n) for n in range(1, 8)})
    moved = iter(range(1, 8))

    def modify_one_while_page_2_is_read(params):
        if params["page"] == "2":
            jos.orders[order_no(next(moved))]["modified"] = jd_time(NOW + timedelta(seconds=30))

    jos.on_search = modify_one_while_page_2_is_read
    report = sync_orders(jd)
    assert "一直在变" in report.error and "09:00–10:00" in report.error
    jd.refresh_from_db()
    assert jd.synced_until == NOW - timedelta(hours=1)  # the windows before it are done


def test_a_window_deeper_than_max_pages_is_halved(shop, link_jd_shop, jos, frozen_now):
    jd = link_jd_shop(shop, window_hours="1", page_size="2", max_pages="2", initial_days="1")
    add_orders(jos, {n: timedelta(minutes=n) for n in range(1, 13)})  # 12 orders in the last hour: 6 pages
    report = sync_orders(jd)
    assert report.error == "" and report.created == 12
    last_hour = [s for s in jos.searches() if s["end_date"] > "2026-11-27 09:00:00"]
    assert {s["page"] for s in last_hour} <= {"1", "2"}  # never deeper than 2 pages
    assert any(s["start_date"] == "2026-11-27 09:30:00" for s in last_hour)


def test_an_expired_token_stops_the_run_and_moves_nothing(jd, jos):
    add_orders(jos, {1: timedelta(minutes=5)})
    jos.token_expired = True
    report = sync_orders(jd)
    assert "已过期" in report.error and report.created == 0
    jd.refresh_from_db()
    assert jd.synced_until is None and "已过期" in jd.last_error and jd.running_since is None


def test_bad_orders_are_recorded_with_the_reason_and_do_not_stop_the_sync(jd, jos, settings):
    add_orders(jos, {1: timedelta(minutes=30), 2: timedelta(minutes=20)})
    add_orders(jos, {3: timedelta(minutes=25)}, orderStartTime="昨天")
    add_orders(jos, {4: timedelta(minutes=15)}, itemInfoList=[{"skuId": "1", "skuName": "杯", "itemTotal": "0"}])
    report = sync_orders(jd)
    assert report.error == "" and report.created == 2
    assert {r["order_no"] for r in report.rejected} == {order_no(3), order_no(4)}
    reasons = dict(JdOrderRejection.objects.values_list("order_no", "reason"))
    assert reasons[order_no(3)] == "orderStartTime「昨天」不是 yyyy-MM-dd HH:mm:ss 时间"
    assert reasons[order_no(4)].startswith("itemInfoList[0].itemTotal：")
    jd.refresh_from_db()
    assert jd.synced_until == NOW
    # JD corrects the order: the next pull stores it and the rejection goes.
    jos.orders[order_no(4)].update(itemInfoList=[{"skuId": "1", "skuName": "杯", "itemTotal": "1"}],
                                    modified=jd_time(NOW + timedelta(minutes=1)))
    settings.YUNDAN_NOW = NOW + timedelta(minutes=2)
    assert sync_orders(jd).created == 1
    assert set(JdOrderRejection.objects.values_list("order_no", flat=True)) == {order_no(3)}


def test_a_stale_jd_state_never_moves_an_order_shipped_here_back(jd, jos, make_order, settings):
    make_order(order_no(1), status="shipped")
    add_orders(jos, {1: timedelta(minutes=5)})
    report = sync_orders(jd)
    assert report.updated == 1 and "保留当前状态" in report.warnings[0]
    assert Order.objects.get(order_no=order_no(1)).status == "shipped"
    assert JdOrder.objects.get().state == "WAIT_SELLER_STOCK_OUT"  # JD's own word kept as JD said it


def test_since_rereads_from_a_given_time_without_moving_the_watermark_back(jd, jos, settings):
    add_orders(jos, {1: timedelta(days=3)})
    sync_orders(jd)
    assert not Order.objects.exists()  # older than initial_days
    report = sync_orders(jd, since=NOW - timedelta(days=4))
    assert report.created == 1 and report.start == NOW - timedelta(days=4)
    jd.refresh_from_db()
    assert jd.synced_until == NOW


def test_one_shop_is_never_pulled_by_two_runs_at_once(jd, jos):
    JdOrderSync.objects.filter(pk=jd.pk).update(running_since=NOW - timedelta(minutes=5))
    report = sync_orders(jd)
    assert "另一次同步正在进行" in report.error and jos.calls == []
    JdOrderSync.objects.filter(pk=jd.pk).update(running_since=NOW - timedelta(hours=2))  # a crashed run
    assert sync_orders(jd).error == ""


@pytest.mark.parametrize("suffix", ["_responce", "_response"])
def test_both_envelope_spellings_are_read(jd, jos, suffix):
    jos.suffix = suffix  # JD's own "_responce", and the "_response" of its docs
    add_orders(jos, {1: timedelta(minutes=5)})
    assert sync_orders(jd).created == 1


@pytest.mark.parametrize(("value", "true"), [
    (True, True), ("true", True), ("True", True), (1, True), ("1", True),
    (False, False), ("false", False), (0, False), (None, False), ("", False),
])
def test_success_flags_read_alike_whatever_their_type(value, true):
    assert is_true(value) is true


def test_a_refused_search_names_jds_reason(jd, jos):
    jos.search_refusals = {1: ("1003", "时间跨度不能超过一个月")}
    assert "京东拒绝订单查询：1003 时间跨度不能超过一个月" in sync_orders(jd).error


def test_bad_settings_are_the_runs_error(jd):
    jd.settings["page_size"] = "500"
    jd.save()
    assert "page_size" in sync_orders(jd).error
