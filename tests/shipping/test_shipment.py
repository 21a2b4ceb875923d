import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from factories import NOW

from yundan.orders.models import Order, OrderItem
from yundan.shipping.models import Package
from yundan.shipping.packages import add_packages, allocate_waybills, split_items
from yundan.shipping.shipment import GivenWaybill, ShipmentRequest, confirm_shipments

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(make_order, frozen_now):
    order = make_order("312345678901")
    for n, name in enumerate(["小米 Redmi K80", "数据线 1m", "快充头 33W"]):
        OrderItem.objects.create(order=order, sku_id=f"10001234567{n}", name=name, quantity=n + 1)
    return order


def printed(order, count=1):
    packages = add_packages(order, count, "sandbox", list(order.items.all()))
    allocate_waybills(packages)
    Package.objects.filter(order=order).update(printed_at=NOW - timedelta(hours=1), print_count=1)
    return [p.waybill_no for p in packages]


def ship(*requests):
    return confirm_shipments([r if isinstance(r, ShipmentRequest) else ShipmentRequest(r) for r in requests])


def test_confirming_a_printed_order_ships_the_printed_waybill(order, frozen_now):
    waybill = printed(order)
    [result] = ship("312345678901")
    assert (result.ok, result.waybill_nos) == (True, waybill)
    order.refresh_from_db()
    package = order.packages.get()
    assert order.status == "shipped"
    assert package.shipped_at == frozen_now and package.next_refresh_at == frozen_now


def test_an_order_with_no_printed_package_gets_a_waybill_on_confirm(order):
    [result] = ship("312345678901")
    package = order.packages.get()
    assert result.ok and result.waybill_nos == [package.waybill_no] and package.waybill_no.startswith("JDX9")
    assert sorted(i.order_item.name for i in package.items.all()) == ["小米 Redmi K80", "快充头 33W", "数据线 1m"]


def test_confirming_twice_yields_exactly_one_set_of_packages(order):
    first = ship("312345678901")[0]
    second = ship("312345678901")[0]
    assert second.ok and second.waybill_nos == first.waybill_nos
    assert order.packages.count() == 1


@pytest.mark.parametrize(("status", "reason"), [("canceled", "已取消"), ("locked", "已锁定")])
def test_canceled_and_locked_orders_are_refused_with_a_reason(order, status, reason):
    Order.objects.filter(pk=order.pk).update(status=status)
    [result] = ship("312345678901")
    assert not result.ok and reason in result.error
    assert not order.packages.exists()


def test_an_unknown_order_is_refused_and_the_rest_still_ship(order):
    unknown, known = ship("399999999999", "312345678901")
    assert not unknown.ok and "订单不存在" in unknown.error
    assert known.ok


def test_a_split_shipment_makes_k_packages_with_the_items_dealt_over_them(order):
    [result] = ship(ShipmentRequest("312345678901", packages=2))
    packages = list(order.packages.order_by("sequence"))
    assert len(result.waybill_nos) == 2 == len(set(result.waybill_nos))
    assert [p.items.count() for p in packages] == [2, 1]


def test_by_items_makes_one_package_per_order_line(order):
    [result] = ship(ShipmentRequest("312345678901", by_items=True))
    assert len(result.waybill_nos) == 3


def test_split_items_deals_lines_round_robin_and_may_leave_a_parcel_empty():
    assert split_items(["a", "b", "c"], 2) == [["a", "c"], ["b"]]
    assert split_items(["a"], 2) == [["a"], []]


def test_a_parcel_sent_with_another_carrier_is_stored_as_that_carriers_package(order):
    printed(order)
    [result] = ship(ShipmentRequest("312345678901", waybills=(GivenWaybill("sf", "sf1673179789153"),)))
    assert result.ok and result.waybill_nos == ["SF1673179789153"]
    package = order.packages.get()
    assert (package.carrier, package.waybill_no) == ("sf", "SF1673179789153")


def test_a_waybill_that_breaks_its_carriers_rules_is_refused(order):
    [result] = ship(ShipmentRequest("312345678901", waybills=(GivenWaybill("zto", "SF1673179789153"),)))
    assert not result.ok and "不符合" in result.error
    order.refresh_from_db()
    assert order.status == "awaiting_shipment" and not order.packages.exists()


def test_a_waybill_of_another_order_is_refused(order, make_order):
    other = make_order("312345678902")
    ship(ShipmentRequest(other.order_no, waybills=(GivenWaybill("sf", "SF1673179789153"),)))
    [result] = ship(ShipmentRequest("312345678901", waybills=(GivenWaybill("sf", "SF1673179789153"),)))
    assert not result.ok and "312345678902" in result.error


def test_more_printed_packages_than_asked_for_is_refused(order):
    printed(order, count=3)
    [result] = ship(ShipmentRequest("312345678901", packages=2))
    assert not result.ok and "3 个包裹" in result.error


def test_a_resend_adds_a_new_package_to_a_shipped_order(order):
    first = ship("312345678901")[0]
    [resend] = ship(ShipmentRequest("312345678901", resend=True))
    assert resend.ok and len(resend.waybill_nos) == 2 and resend.waybill_nos[0] == first.waybill_nos[0]


def test_a_resend_of_an_order_not_yet_shipped_is_refused(order):
    [result] = ship(ShipmentRequest("312345678901", resend=True))
    assert not result.ok and "尚未发货" in result.error


def test_printed_but_unconfirmed_then_ship_makes_the_waybill_the_orders(order, capsys):
    waybill = printed(order)[0]
    call_command("orders", "show", "312345678901")
    assert "尚未确认发货" in capsys.readouterr().out
    call_command("ship", "312345678901", "--json")
    assert json.loads(capsys.readouterr().out) == [
        {"order_no": "312345678901", "ok": True, "waybill_nos": [waybill], "error": ""}]
    call_command("orders", "show", "312345678901", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "shipped" and data["packages"][0]["waybill_no"] == waybill
    assert data["packages"][0]["note"] == "" and data["packages"][0]["shipped_at"]
    call_command("orders", "search", "--waybill", waybill)
    assert waybill in capsys.readouterr().out  # now listed as the order's logistics number


def test_ship_from_a_file_with_other_carriers_and_bad_rows(order, make_order, tmp_path, capsys):
    make_order("312345678902")
    path = tmp_path / "ship.csv"
    path.write_text("订单号,物流单号,快递公司\n312345678901,,\n312345678902,78474409893076,中通\n"
                    "312345678903,YT9693083639795,\n", encoding="utf-8-sig")
    with pytest.raises(CommandError, match="1 个订单未能发货"):
        call_command("ship", "--from", str(path), "--json")
    results = {r["order_no"]: r for r in json.loads(capsys.readouterr().out)}
    assert results["312345678901"]["ok"] and results["312345678902"]["waybill_nos"] == ["78474409893076"]
    assert "第 4 行" in results["312345678903"]["error"] and "快递公司" in results["312345678903"]["error"]
    assert Package.objects.get(waybill_no="78474409893076").carrier == "zto"


def test_a_crash_mid_batch_leaves_each_order_confirmed_or_untouched_and_a_rerun_finishes(order, make_order, monkeypatch):
    from yundan.shipping import shipment

    others = [make_order(f"31234567891{n}") for n in range(3)]
    numbers = [order.order_no, *(o.order_no for o in others)]
    real = shipment.allocate_waybills
    calls = []

    def crash_on_the_third_order(packages):
        calls.append(packages)
        real(packages)  # the waybill is allocated, then the process dies before the commit
        if len(calls) == 3:
            raise SystemExit("killed")

    monkeypatch.setattr(shipment, "allocate_waybills", crash_on_the_third_order)
    with pytest.raises(SystemExit):
        ship(*numbers)
    statuses = dict(Order.objects.filter(order_no__in=numbers).values_list("order_no", "status"))
    assert [statuses[n] for n in numbers] == ["shipped", "shipped", "awaiting_shipment", "awaiting_shipment"]
    assert not Package.objects.filter(order__order_no__in=numbers[2:]).exists()

    monkeypatch.setattr(shipment, "allocate_waybills", real)
    results = ship(*numbers)
    assert all(r.ok for r in results)
    assert Package.objects.filter(order__order_no__in=numbers).count() == 4


def test_ship_cut_by_a_lost_database_reports_what_it_did_and_says_to_run_it_again(order, make_order, monkeypatch,
                                                                                  capsys):
    from django.db import OperationalError

    from yundan.shipping import shipment

    others = [make_order(f"31234567891{n}") for n in range(2)]
    real, calls = shipment.confirm_one, []

    def database_gone_at_the_second(request):
        calls.append(request)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(request)

    monkeypatch.setattr(shipment, "confirm_one", database_gone_at_the_second)
    with pytest.raises(CommandError, match="已处理 1 / 3 个订单后停止.*server closed the connection"):
        call_command("ship", order.order_no, *(o.order_no for o in others), "--json")
    assert [r["order_no"] for r in json.loads(capsys.readouterr().out)] == [order.order_no]
    assert len(calls) == 2, "nothing tried after the database went away"

    monkeypatch.setattr(shipment, "confirm_one", real)
    call_command("ship", order.order_no, *(o.order_no for o in others), "--json")
    results = json.loads(capsys.readouterr().out)
    assert all(r["ok"] for r in results) and Package.objects.filter(shipped_at__isnull=False).count() == 3
