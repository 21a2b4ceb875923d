import subprocess
import uuid
from datetime import timedelta

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from factories import NOW
from python_calamine import CalamineWorkbook

from yundan.batch import query
from yundan.batch.answers import COLUMNS
from yundan.batch.query import run_batch_query
from yundan.orders.models import OrderItem
from yundan.shipping.models import Package
from yundan.shipping.packages import add_packages, allocate_waybills
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
from yundan.tracking.services import refresh_packages

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_orders(make_order, settings):
    settings.YUNDAN_NOW = NOW - timedelta(days=5)  # shipped five days before the query
    split = make_order("312345678901")
    OrderItem.objects.bulk_create(OrderItem(order=split, sku_id=f"1000{n}", name=f"商品{n}") for n in range(3))
    confirm_shipments([ShipmentRequest("312345678901", packages=3)])
    make_order("312345678902")  # nothing printed yet
    printed = make_order("312345678903")
    allocate_waybills(add_packages(printed, 1, "sandbox"))
    Package.objects.filter(order=printed).update(printed_at=NOW - timedelta(hours=2))
    make_order("312345678904", status="canceled")
    settings.YUNDAN_NOW = NOW
    refresh_packages(list(Package.objects.filter(shipped_at__isnull=False).select_related("order__shop")))
    return {p.order.order_no + f"#{p.sequence}": p for p in Package.objects.select_related("order")}


def write_input(path, values, numeric=()):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("查询")
    sheet.merge_range(0, 0, 0, 1, "12月批量查询")
    sheet.write_row(1, 0, ["序号", "订单号"])
    for row, value in enumerate(values, start=2):
        sheet.write_number(row, 0, row - 1)
        if row - 2 in numeric:
            sheet.write_number(row, 1, value)
        else:
            sheet.write_string(row, 1, value)
    workbook.close()
    return path


def read_output(path):
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def test_every_input_row_is_answered_in_order_with_one_row_per_package(shop_orders, tmp_path):
    waybill = shop_orders["312345678901#2"].waybill_no
    printed_waybill = shop_orders["312345678903#1"].waybill_no
    values = ["312345678901", "312345678902", "312345678903", "312345678904", waybill.lower() + "-1-1-",
              "399999999999", "312345678902", "=HYPERLINK(\"x\")", "3.12346E+11", 12053695854357871005]
    source = write_input(tmp_path / "in.xlsx", values, numeric={9})
    result = run_batch_query(source, tmp_path / "out.xlsx")
    sheets = read_output(tmp_path / "out.xlsx")
    rows = list(sheets.values())[0]

    assert list(sheets) == ["查询结果", "统计"]
    assert rows[0] == list(COLUMNS)
    body = rows[1:]
    assert all(isinstance(cell, str) for row in body for cell in row), "every cell is text"
    queried = [row[0] for row in body]
    assert queried[:3] == ["312345678901"] * 3, "three packages, three rows"
    split_rows = body[:3]
    assert [r[3] for r in split_rows] == [shop_orders[f"312345678901#{n}"].waybill_no for n in (1, 2, 3)]
    assert all(r[1] == "312345678901" and r[2] == "已发货" and r[4] == "京东物流（模拟）" for r in split_rows)
    assert all(r[5] and r[6] and r[7] and r[8] for r in split_rows), "status, latest event, times"
    nothing, printed, canceled, by_waybill, unknown, duplicate, formula, scientific, lost = body[3:]
    assert nothing[1] == "312345678902" and nothing[3] == "" and "尚未打印面单" in nothing[11]
    assert printed[3] == "" and "已打印未确认发货" in printed[11] and printed_waybill in printed[11]
    assert "已取消" in canceled[11]
    assert by_waybill[1] == "312345678901" and by_waybill[3] == waybill
    assert unknown[1] == "" and "未找到" in unknown[11]
    assert duplicate[1] == "312345678902" and "重复：与第 4 行相同" in duplicate[11]
    assert formula[0] == "'=HYPERLINK(\"x\")"
    assert "数字精度丢失" in scientific[11] and "数字精度丢失" in lost[11]
    assert (result.input_rows, result.output_rows, result.duplicates, result.lost_digits) == (10, 12, 1, 2)
    summary = dict(sheets["统计"][1:])
    assert summary["查询行数"] == "10" and summary["未找到"] == "2"


def test_a_delivered_package_has_its_sign_time_and_a_problem_has_its_exception(shop_orders, tmp_path):
    statuses = {p.waybill_no: p.status for p in Package.objects.filter(shipped_at__isnull=False)}
    source = write_input(tmp_path / "in.xlsx", list(statuses))
    run_batch_query(source, tmp_path / "out.xlsx")
    for row in list(read_output(tmp_path / "out.xlsx").values())[0][1:]:
        status = statuses[row[3]]
        assert bool(row[9]) == (status == "delivered")
        assert bool(row[10]) == (status in {"delivery_failed", "rejected", "returning", "returned", "exception", "lost"})


def test_csv_output_is_utf8_with_bom_and_formula_safe(shop_orders, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("312345678901\n312345678902\n312345678903\n312345678904\n@SUM(A1)\n", encoding="utf-8")
    run_batch_query(source, tmp_path / "out.csv", as_csv=True)
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMNS) and lines[-1].startswith("'@SUM(A1)")


def test_bad_input_writes_nothing_and_keeps_an_existing_result(tmp_path):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"yesterday's result")
    bad = tmp_path / "orders.xlsx"
    bad.write_bytes(b"this is not a spreadsheet")
    with pytest.raises(CommandError):
        call_command("batch", "query", str(bad), "--out", str(out))
    assert out.read_bytes() == b"yesterday's result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.xlsx", "out.xlsx"], "no partial file left"


def test_refresh_asks_the_carrier_again_for_stale_live_packages(shop_orders, tmp_path, settings):
    package = shop_orders["312345678901#1"]
    Package.objects.filter(pk=package.pk).update(updated_at=NOW - timedelta(hours=3), status="in_transit")
    package.events.all().delete()
    source = write_input(tmp_path / "in.xlsx", [package.waybill_no])
    run_batch_query(source, tmp_path / "out.xlsx", refresh=True)
    assert package.events.exists()


def test_a_libreoffice_built_ods_and_xls_are_answered(shop_orders, tmp_path):
    csv_source = tmp_path / "lo.csv"
    csv_source.write_text("运单号\n312345678901\n399999999999\n", encoding="utf-8")
    profile = f"file:///tmp/lo-profile-{uuid.uuid4().hex}"
    for target in ("ods", "xls"):
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--infilter=CSV:44,34,76",
                        "--convert-to", target, "--outdir", str(tmp_path), str(csv_source)],
                       check=True, capture_output=True, timeout=120)
        result = run_batch_query(tmp_path / f"lo.{target}", tmp_path / f"out-{target}.xlsx")
        assert (result.orders_found, result.not_found, result.output_rows) == (1, 1, 4)


def test_the_command_reports_what_it_did(shop_orders, tmp_path, capsys):
    source = write_input(tmp_path / "in.xlsx", ["312345678901", "399999999999"])
    call_command("batch", "query", str(source), "--out", str(tmp_path / "out.xlsx"))
    out = capsys.readouterr().out
    assert "已查询 2 行" in out and "未找到 1" in out and (tmp_path / "out.xlsx").exists()


def test_times_are_shown_in_the_local_time_zone(shop_orders, tmp_path):
    package = shop_orders["312345678901#1"]
    source = write_input(tmp_path / "in.xlsx", [package.waybill_no])
    run_batch_query(source, tmp_path / "out.xlsx")
    row = list(read_output(tmp_path / "out.xlsx").values())[0][1]
    assert row[8] == timezone.localtime(package.shipped_at).strftime("%Y-%m-%d %H:%M:%S")
    assert row[7] == timezone.localtime(package.last_event_at).strftime("%Y-%m-%d %H:%M:%S")


def test_a_file_longer_than_a_chunk_is_answered_in_input_order(shop_orders, tmp_path, monkeypatch):
    monkeypatch.setattr(query, "CHUNK", 2)  # several chunks, looked up ahead in the worker thread
    values = ["312345678902", "399999999999", "312345678901", "312345678904", "312345678902", "312345678903",
              shop_orders["312345678901#3"].waybill_no]
    source = write_input(tmp_path / "in.xlsx", values)
    progress = []
    result = run_batch_query(source, tmp_path / "out.xlsx", progress=progress.append)
    body = list(read_output(tmp_path / "out.xlsx").values())[0][1:]
    assert [row[0] for row in body] == [values[0], values[1], *[values[2]] * 3, *values[3:]]
    assert [row[1] for row in body] == ["312345678902", "", *["312345678901"] * 3, "312345678904", "312345678902",
                                        "312345678903", "312345678901"]
    assert "重复：与第 3 行相同" in body[6][11], "a duplicate in a later chunk names the first row"
    assert progress == [2, 2, 2, 1] and result.input_rows == 7
