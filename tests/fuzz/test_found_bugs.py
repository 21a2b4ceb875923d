"""The bugs the fuzz pass found, each pinned by the input that found it (shrunk by hypothesis)."""

import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
import xlsxwriter
from factories import NOW
from fakes.jd_jos import jd_order
from fakes.kuaidi100 import md5_upper
from fuzz.stored import row_counts, stored_rows

from yundan.api.keys import create_key
from yundan.batch.query import run_batch_query
from yundan.carriers.accounts import complete_settings, kind_of
from yundan.carriers.models import CarrierAccount
from yundan.console.roles import set_role
from yundan.integrations.jd_settings import complete as complete_jd
from yundan.integrations.jd_settings import options as jd_options
from yundan.integrations.jd_sync import ShopSync, SyncReport
from yundan.integrations.models import JdOrderSync
from yundan.orders.models import Order
from yundan.batch.reading import InputError, read_query_input
from yundan.orders.importing import import_orders
from yundan.shipping.models import Package
from yundan.shipping.order_lists import read_order_list
from yundan import spreadsheets
from yundan.text import clean_number

pytestmark = pytest.mark.django_db

CSV_FIELD_LIMIT = 131072  # the csv module's default field_size_limit()


@pytest.fixture
def csv_with_a_huge_cell(tmp_path) -> Path:
    path = tmp_path / "订单.csv"
    path.write_text(f"订单号,商家备注\n312345678901,{'备' * (CSV_FIELD_LIMIT + 1)}\n", encoding="utf-8")
    return path


def test_a_csv_cell_over_the_csv_modules_limit_is_refused_naming_its_line(csv_with_a_huge_cell, tmp_path):
    # Found by the fuzz pass: csv.Error escaped every CSV reader (a 500 in the console, a job failed
    # as an internal error).
    with pytest.raises(InputError, match="第 2 行无法按 CSV 读取"):
        run_batch_query(csv_with_a_huge_cell, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    with pytest.raises(ValueError, match="第 2 行无法按 CSV 读取"):
        read_order_list(csv_with_a_huge_cell)
    before = row_counts()
    with pytest.raises(ValueError, match="第 2 行无法按 CSV 读取"):
        import_orders(csv_with_a_huge_cell, shop_name="fuzz")
    assert stored_rows(before, row_counts()) == {}


def xlsx_changed(path: Path, change) -> Path:
    """A real one-sheet .xlsx at ``path`` whose zip members went through ``change(name, bytes)`` (None drops one)."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("订单").write_row(0, 0, ["订单号", "312345678901"])
    workbook.close()
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("damage", ["sheet part missing", "no sheets"])
def test_a_workbook_calamine_opens_but_cannot_give_a_sheet_of_is_refused(tmp_path, damage):
    # Found by the fuzz pass: calamine's WorksheetNotFound (sheet part missing) and StopIteration (no
    # sheet at all) escaped the order import and the order-list reader (a 500 on 批量发货/批量打印).
    if damage == "sheet part missing":
        path = xlsx_changed(tmp_path / "订单.xlsx", lambda name, c: None if name.startswith("xl/worksheets/") else c)
    else:
        path = xlsx_changed(tmp_path / "订单.xlsx", lambda name, c: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", c)
                            if name == "xl/workbook.xml" else c)
    with pytest.raises(ValueError, match="订单.xlsx"):
        read_order_list(path)
    before = row_counts()
    with pytest.raises(ValueError, match="订单.xlsx"):
        import_orders(path, shop_name="fuzz")
    assert stored_rows(before, row_counts()) == {}


def flag_bit_5(data: bytes, member: str) -> bytes:
    """The zip ``data`` with ``member`` marked "compressed patched data" in both its headers."""
    patched, name = bytearray(data), member.encode()
    for signature, flags, name_length, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        start = patched.find(signature)
        while start != -1:
            length = int.from_bytes(patched[start + name_length:start + name_length + 2], "little")
            if patched[start + name_at:start + name_at + length] == name:
                patched[start + flags] |= 0x20
            start = patched.find(signature, start + 4)
    return bytes(patched)


def test_an_ods_whose_manifest_python_cannot_inflate_is_refused_as_unreadable(tmp_path):
    # Found by the fuzz pass: zipfile's NotImplementedError (here: flag bit 5, "compressed patched
    # data") escaped the batch query's zip check; the job failed as an internal error.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    path = tmp_path / "单号.ods"
    path.write_bytes(flag_bit_5(out.getvalue(), "META-INF/manifest.xml"))
    with pytest.raises(InputError, match="无法读取文件「单号.ods」"):
        read_query_input(path)


@pytest.mark.parametrize("typed", ["JDX900000000001\x00", "\x00", "3123\x0045678901"])
def test_a_nul_typed_into_a_public_page_is_dropped_like_any_invisible_character(client, no_rate_limits, typed):
    # Found by the fuzz pass on PostgreSQL: a NUL reached the lookup query (DataError, a 500) from
    # /track?q=, /track/<waybill> and the buyer's order number.
    assert client.get("/track", {"q": typed}).status_code == 200
    assert client.get(f"/track/{quote(typed)}").status_code in (200, 404)
    assert client.post("/my-order", {"order_no": typed, "phone_last4": "5678"}).status_code == 200
    assert clean_number(typed) == typed.replace("\x00", "")


@pytest.fixture
def kuaidi100_package(make_order, frozen_now):
    values = complete_settings(kind_of("kuaidi100"), {"customer": "C", "key": "K", "salt": "s4lt"})
    CarrierAccount.objects.create(name="k100", kind="kuaidi100", settings=values)
    return Package.objects.create(order=make_order(status="shipped"), carrier="yto", waybill_no="YT1234567890123",
                                  printed_at=NOW, shipped_at=NOW, next_refresh_at=NOW)


def signed(param: dict, salt: str = "s4lt") -> dict:
    text = json.dumps(param, ensure_ascii=False)
    return {"param": text, "sign": md5_upper(text + salt)}


@pytest.mark.parametrize("data", [["不是对象"], "一段文字", {"ftime": "2026-11-25 09:00:00"}, [None], [3]])
def test_a_signed_push_whose_trace_is_no_list_of_objects_is_refused(client, kuaidi100_package, data):
    # Found by the fuzz pass: AttributeError on item.get (a 500, and Kuaidi100 retrying forever).
    before = Package.objects.filter(pk=kuaidi100_package.pk).values().get()
    response = client.post("/hooks/kuaidi100", signed({"status": "polling", "lastResult": {
        "nu": "YT1234567890123", "data": data}}))
    assert response.status_code == 400 and "data" in response.json()["message"]
    assert Package.objects.filter(pk=kuaidi100_package.pk).values().get() == before


def test_a_signed_push_with_an_unreadable_time_is_refused_and_changes_nothing(client, kuaidi100_package):
    # Found by the fuzz pass: it was answered 200 (so never sent again) with no event stored, yet the
    # package was marked subscribed and its next poll moved: half of a push taken.
    before = Package.objects.filter(pk=kuaidi100_package.pk).values().get()
    response = client.post("/hooks/kuaidi100", signed({"status": "polling", "lastResult": {
        "nu": "YT1234567890123", "data": [{"ftime": "昨天", "context": "已揽收"}]}}))
    assert response.status_code == 400 and "昨天" in response.json()["message"]
    assert Package.objects.filter(pk=kuaidi100_package.pk).values().get() == before


def test_a_push_signed_with_non_ascii_characters_or_naming_an_account_with_a_nul_is_refused(
        client, kuaidi100_package):
    # Found by the fuzz pass: hmac.compare_digest raised TypeError on a non-ASCII sign, and a NUL in
    # ?account= reached the account query (DataError on PostgreSQL): both a 500.
    form = signed({"status": "polling", "lastResult": {"nu": "YT1234567890123", "data": []}})
    assert client.post("/hooks/kuaidi100", {**form, "sign": "签名"}).status_code == 400
    assert client.post("/hooks/kuaidi100?account=k%00", form).status_code == 400


def test_a_signed_push_with_nul_characters_in_its_texts_is_stored_or_refused_never_a_500(client, kuaidi100_package):
    response = client.post("/hooks/kuaidi100", signed({"status": "polling", "lastResult": {
        "nu": "YT1234567890123", "data": [{"ftime": "2026-11-25 09:00:00", "context": "已\x00揽收",
                                           "location": "\x00", "statusCode": "1\x0003"}]}}))
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("info", [
    jd_order("312345678901", "2026-11-21 08:00:05", orderState="NO\x00STATE"),
    jd_order("312345678901", "2026-11-21 08:00:05", venderRemark="加急\x00", pin="\x00jd_buyer01"),
    "not\x00an order",
])
def test_a_jd_order_with_a_nul_is_stored_or_rejected_not_a_failed_sync(shop, info):
    # Found by the fuzz pass on PostgreSQL: a NUL in one orderInfo (kept in the rejection's reason or
    # in a stored field) raised DataError and failed the shop's whole sync run, every run after it.
    values = complete_jd({"endpoint": "http://127.0.0.1:9/routerjson", "app_key": "k", "app_secret": "s",
                          "access_token": "t"})
    sync = JdOrderSync.objects.create(shop=shop, settings=values)
    report = SyncReport(shop=shop.name)
    ShopSync(sync, jd_options(values), api=None, report=report).store([info])
    stored = Order.objects.filter(shop=shop, order_no="312345678901").first()
    assert (stored is not None) != bool(report.rejected)
    assert stored is None or "\x00" not in stored.remark + stored.buyer_id
    assert all("\x00" not in entry["reason"] for entry in report.rejected)


def test_an_order_export_with_a_nul_in_its_cells_is_imported_without_it(tmp_path):
    # Found by the fuzz pass on PostgreSQL: the NUL reached the INSERT (DataError), aborting the import
    # with a traceback after the orders before it were stored.
    path = tmp_path / "订单导出.csv"
    path.write_text("订单号,客户姓名,联系电话,商品ID,商品名称\n312345678901,张\x00三,13812345678,1000\x0012,杯\x00子\n",
                    encoding="utf-8")
    report = import_orders(path, shop_name="fuzz")
    order = Order.objects.get(order_no="312345678901")
    assert report.created == 1 and order.receiver_name == "张三"
    assert list(order.items.values_list("sku_id", "name")) == [("100012", "杯子")]


@pytest.mark.parametrize("key", ["order_no", "buyer_id", "phone", "waybill_no"])
def test_a_nul_in_the_console_order_search_is_dropped(client, django_user_model, key):
    # Found by the fuzz pass on PostgreSQL: /orders/?buyer_id=%00 reached the query (DataError, a 500).
    user = django_user_model.objects.create_user(username="fuzz", password="fuzz-pass-2026")
    set_role(user, "viewer")
    client.force_login(user)
    assert client.get("/orders/", {key: "jd\x00"}).status_code == 200


@pytest.mark.parametrize("ftime", ["0001-01-01 00:00:00", "9999-12-31 23:59:59-14:00"])
def test_a_signed_push_with_a_time_outside_what_utc_can_hold_is_refused(client, kuaidi100_package, ftime):
    # Found by the fuzz pass: OverflowError converting the time to UTC while storing (a 500).
    response = client.post("/hooks/kuaidi100", signed({"status": "polling", "lastResult": {
        "nu": "YT1234567890123", "data": [{"ftime": ftime, "context": "已揽收"}]}}))
    assert response.status_code == 400 and ftime in response.json()["message"]
    assert not kuaidi100_package.events.exists()


def test_a_zip_bomb_given_as_an_order_list_or_export_is_refused_before_it_is_inflated(tmp_path, monkeypatch):
    # Found by the fuzz pass: only the batch query's reader checked the zip directory; the order import
    # and the list file of 批量发货/批量打印 inflated anything (a 300 KB upload took 670 MB, a 50 MB one
    # would take the web process down). Here a 12 MB sheet of blanks compressed ~1000:1.
    path = xlsx_changed(tmp_path / "订单.xlsx", lambda name, c: c.replace(b"<sheetData>", b"<sheetData>" + b" " * (12 << 20))
                        if name.startswith("xl/worksheets/") else c)
    inflated = []
    monkeypatch.setattr(spreadsheets.CalamineWorkbook, "from_path", lambda *args: inflated.append(args))
    with pytest.raises(ValueError, match="解压后过大或压缩比异常"):
        read_order_list(path)
    with pytest.raises(ValueError, match="解压后过大或压缩比异常"):
        import_orders(path, shop_name="fuzz")
    assert not inflated


@pytest.mark.parametrize(("since", "status"), [("0969-10-01T21:53:21+19:31", 200), ("2026-11-27T10:00:00-23:59", 200),
                                               ("0001-01-01T00:00:00+08:00", 422)])
def test_an_updated_since_with_any_offset_python_reads_is_answered(client, since, status):
    # Found by the stateful API fuzz on PostgreSQL: an offset beyond ±15:59 reached the query (a 500), and
    # a moment before 0001-01-01 UTC raised OverflowError.
    token = create_key("read", "fuzz").token
    response = client.get("/api/v1/orders", {"updated_since": since}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.content[:300]


def test_a_workbook_whose_zip_directory_python_cannot_read_is_left_to_calamine(tmp_path):
    # Found by the fuzz pass: zipfile.ZipFile() itself raised NotImplementedError ("zip file version
    # 23.5", a flipped byte in the central directory) in the zip bomb check of the order readers;
    # calamine, which does not care for that field, reads the file.
    path = xlsx_changed(tmp_path / "订单.xlsx", lambda name, c: c)
    data = bytearray(path.read_bytes())
    directory = data.find(b"PK\x01\x02")
    data[directory + 6:directory + 8] = (235).to_bytes(2, "little")  # version needed to extract: 23.5
    path.write_bytes(bytes(data))
    assert read_order_list(path) == ([], [])  # its one row is the header


@pytest.mark.parametrize(("ordered_from", "ordered_to"),
                         [("0001-01-01", ""), ("", "9999-12-31"), ("0001-01-01", "9999-12-31")])
def test_a_search_from_the_first_or_to_the_last_day_a_date_holds_finds_every_order(
        client, make_order, ordered_from, ordered_to):
    # Found by the stateful API fuzz: /api/v1/orders?ordered_from=0001-01-01 was a 500 (its midnight in
    # Beijing is before the first moment UTC holds; 9999-12-31 + 1 day is no date at all).
    make_order("312345678901")
    token = create_key("read", "fuzz").token
    given = {key: value for key, value in (("ordered_from", ordered_from), ("ordered_to", ordered_to)) if value}
    response = client.get("/api/v1/orders", given, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.content[:300]
    assert [order["order_no"] for order in response.json()["orders"]] == ["312345678901"]
