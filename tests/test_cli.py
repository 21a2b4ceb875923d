import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from factories import NOW

from yundan.orders.models import OrderItem
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db


@pytest.fixture
def split_order(make_order, frozen_now):
    order = make_order("312345678901", status="shipped")
    OrderItem.objects.create(order=order, sku_id="100012043978", name="小米 Redmi K80", quantity=1)
    for sequence, number in enumerate(["JDX910000000001", "JDX950000000002"], start=1):
        Package.objects.create(order=order, sequence=sequence, carrier="sandbox", waybill_no=number,
                               printed_at=NOW - timedelta(days=12), shipped_at=NOW - timedelta(days=12))
    call_command("track", "JDX910000000001", "JDX950000000002", "--json")  # fetch the sandbox traces
    return order


@pytest.fixture
def printed_order(make_order, frozen_now):
    order = make_order("312345678999")
    Package.objects.create(order=order, carrier="sandbox", waybill_no="JDX910000000009", printed_at=NOW)
    return order


def run_json(capsys, *args):
    capsys.readouterr()
    call_command(*args, "--json")
    return json.loads(capsys.readouterr().out)


def test_show_lists_every_package_of_a_split_shipment_with_its_own_timeline(split_order, capsys):
    data = run_json(capsys, "orders", "show", "312345678901")
    assert [p["waybill_no"] for p in data["packages"]] == ["JDX910000000001", "JDX950000000002"]
    delivered, returned = data["packages"]
    assert delivered["status"] == "delivered" and returned["status"] == "returned"
    assert delivered["events"] != returned["events"]
    times = [e["time"] for e in delivered["events"]]
    assert times == sorted(times, reverse=True), "newest first"
    assert set(delivered["events"][0]) >= {"time", "status", "description", "location"}


def test_show_speaks_the_json_contract_with_masked_personal_data(split_order, capsys):
    data = run_json(capsys, "orders", "show", "312345678901")
    assert set(data) >= {"order_no", "shop", "status", "buyer_id", "ordered_at", "receiver", "items", "packages"}
    assert data["receiver"] == {"name": "张*", "phone": "1******5678", "province": "浙江省", "city": "杭州市",
                                "district": "西湖区", "address": data["receiver"]["address"]}
    assert "302" not in data["receiver"]["address"]
    assert data["items"] == [{"sku_id": "100012043978", "name": "小米 Redmi K80", "quantity": 1}]
    assert data["ordered_at"] == "2026-11-27T10:00:00+08:00"
    package = data["packages"][0]
    assert set(package) >= {"waybill_no", "carrier", "printed_at", "shipped_at", "status", "status_label", "events"}


def test_show_unmask_gives_the_operator_the_full_receiver(split_order, capsys):
    data = run_json(capsys, "orders", "show", "312345678901", "--unmask")
    assert data["receiver"]["phone"] == "13812345678" and data["receiver"]["name"] == "张三"


def test_printed_but_unconfirmed_order_explains_missing_waybill(printed_order, capsys):
    call_command("orders", "show", "312345678999")
    out = capsys.readouterr().out
    assert "已打印，未发货" in out and "尚未确认发货" in out and "确认发货" in out
    data = run_json(capsys, "orders", "show", "312345678999")
    assert data["packages"][0]["status"] is None and data["packages"][0]["events"] == []


def test_search_by_every_key_finds_the_right_order(split_order, printed_order, capsys):
    for args in (["--order-no", "312345678901"], ["--buyer", "jd_buyer01", "--status", "shipped"],
                 ["--phone", "13812345678", "--status", "shipped"], ["--phone", "5678", "--status", "shipped"],
                 ["--waybill", "JDX950000000002"]):
        assert [o["order_no"] for o in run_json(capsys, "orders", "search", *args)] == ["312345678901"], args


def test_search_table_masks_the_phone(split_order, capsys):
    call_command("orders", "search", "--waybill", "JDX910000000001")
    out = capsys.readouterr().out
    assert "312345678901" in out and "1******5678" in out and "13812345678" not in out


def test_track_refreshes_and_shows_the_timeline(split_order, capsys):
    data = run_json(capsys, "track", "jdx910000000001")
    assert data[0]["order_no"] == "312345678901" and data[0]["status_label"] == "已签收"


def test_unknown_order_or_waybill_is_an_error(split_order):
    with pytest.raises(CommandError, match="订单不存在"):
        call_command("orders", "show", "399999999999")
    with pytest.raises(CommandError, match="运单号不存在：JDX999999999999"):
        call_command("track", "JDX999999999999")


def test_the_yundan_command_exits_1_with_the_message_on_stderr(tmp_path):
    env = {**os.environ, "YUNDAN_HOME": str(tmp_path)}
    env.pop("YUNDAN_DATABASE_URL", None)
    yundan = [sys.executable, "-m", "yundan.cli"]
    subprocess.run([*yundan, "init"], env=env, check=True, capture_output=True)
    result = subprocess.run([*yundan, "orders", "show", "399999999999"], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "订单不存在：399999999999" in result.stderr and result.stdout == ""


def test_init_is_safe_to_run_again(capsys):
    call_command("init")
    call_command("init")
    assert "数据库已就绪" in capsys.readouterr().out


def test_a_search_that_finds_nothing_says_so_and_fails(split_order, capsys):
    with pytest.raises(CommandError, match="没有找到"):
        call_command("orders", "search", "--waybill", "JDX999999999999", "--json")
    assert json.loads(capsys.readouterr().out) == []
