"""Importing the JD merchant backend's order export (订单导出) from real files.

Every test writes a real .xlsx (XlsxWriter), .xls (xlwt) or .csv file into ``tmp_path`` and
imports it, so the reading (python-calamine, CSV sniffing, encodings) is exercised as well as
the mapping onto orders.
"""

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import xlsxwriter
import xlwt
from django.core.management import CommandError, call_command

from yundan import cli
from yundan.orders.importing import import_orders
from yundan.orders.models import Order, OrderItem, Shop
from yundan.orders.states import OrderStatus

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Header label → field key of the records below; several labels are aliases of one field.
LABELS = {
    "订单号": "order_no", "订单编号": "order_no",
    "下单时间": "ordered_at",
    "订单状态": "status",
    "下单帐号": "buyer_id",
    "客户姓名": "name", "收货人": "name",
    "客户地址": "address", "收货地址": "address",
    "联系电话": "phone", "手机": "phone",
    "商品ID": "sku", "商品编号": "sku",
    "商品名称": "item",
    "订购数量": "quantity", "数量": "quantity",
    "订单金额": "amount", "应付金额": "amount",
    "商家备注": "remark",
}
# The JD export's own order of columns.
JD_HEADER = ["订单号", "下单时间", "订单状态", "下单帐号", "客户姓名", "客户地址", "联系电话",
             "商品ID", "商品名称", "订购数量", "订单金额", "商家备注"]
# The same fields under other names, in another order.
SHUFFLED_HEADER = ["商品名称", "收货人", "数量", "手机", "订单编号", "收货地址", "商品编号",
                   "应付金额", "下单帐号", "订单状态", "商家备注", "下单时间"]

ORDER_A = "312345678901"
ORDER_B = "312345678902"
ORDER_C = "312345678903"


def record(number=ORDER_A, **fields):
    """One export row (one SKU of an order) as field key → cell value; ``order_no=`` overrides."""
    values = {
        "order_no": number,
        "ordered_at": "2026-11-20 10:23:45",
        "status": "等待出库",
        "buyer_id": "jd_buyer01",
        "name": "张三",
        "address": "浙江省杭州市西湖区文三路90号1号楼302室",
        "phone": "13812345678",
        "sku": "100012345678",
        "item": "小米充电宝 10000mAh",
        "quantity": "1",
        "amount": "99.00",
        "remark": "",
    }
    values.update(fields)
    return values


def three_orders():
    """Order A with three SKUs, B with one, C with one: 5 rows, 3 orders."""
    return [
        record(ORDER_A, sku="100012345678", item="小米充电宝 10000mAh", quantity="1", amount="297.00"),
        record(ORDER_A, sku="100012345679", item="数据线 1m", quantity="2", amount="297.00"),
        record(ORDER_A, sku="100012345680", item="快充头 33W", quantity="1", amount="297.00"),
        record(ORDER_B, status="等待确认收货", name="李四", phone="010-65529988",
               address="北京市朝阳区建国路88号SOHO现代城5号楼", sku="200012345678",
               item="保温杯", quantity="1", amount="59.90", ordered_at="2026/11/21 08:05:00"),
        record(ORDER_C, status="完成", name="王五", phone="13987654321",
               address="广东省深圳市南山区科技园南区粤海街道1号", sku="300012345678",
               item="蓝牙耳机", quantity="3", amount="1,299.00", remark="送货前电话联系"),
    ]


def table(records, header=JD_HEADER):
    return [list(header)] + [[rec.get(LABELS[label], "") for label in header] for rec in records]


def write_xlsx(path, rows, title=None):
    """Strings become text cells, int/float numeric cells, datetimes date cells."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("订单")
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    top = 0
    if title is not None:
        sheet.merge_range(0, 0, 0, len(rows[0]) - 1, title)
        top = 1
    for r, row in enumerate(rows, start=top):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def write_xls(path, rows, title=None):
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("订单")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    top = 0
    if title is not None:
        sheet.write_merge(0, 0, 0, len(rows[0]) - 1, title)
        top = 1
    for r, row in enumerate(rows, start=top):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write(r, c, value, when)
            else:
                sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def write_csv(path, rows, encoding="utf-8-sig", delimiter=","):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if value is None else str(value) for value in row] for row in rows]
    )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


WRITERS = {
    "xlsx": lambda path, rows, title=None: write_xlsx(path.with_suffix(".xlsx"), rows, title),
    "xls": lambda path, rows, title=None: write_xls(path.with_suffix(".xls"), rows, title),
    "csv-utf8-bom": lambda path, rows, title=None: write_csv(
        path.with_suffix(".csv"), ([[title]] if title else []) + rows, "utf-8-sig"),
    "csv-gbk": lambda path, rows, title=None: write_csv(
        path.with_suffix(".csv"), ([[title]] if title else []) + rows, "gb18030"),
}


def numeric_cells(rows):
    """Order numbers, phones, SKUs and quantities as numbers, times as date cells (as Excel keeps them)."""
    header, *data = rows
    out = [header]
    for row in data:
        cells = []
        for label, value in zip(header, row):
            key = LABELS[label]
            if key in ("order_no", "sku", "quantity") or (key == "phone" and value.isdigit()):
                cells.append(int(value))
            elif key == "ordered_at":
                cells.append(datetime.strptime(value.replace("/", "-"), "%Y-%m-%d %H:%M:%S"))
            elif key == "amount":
                cells.append(float(value.replace(",", "")))
            else:
                cells.append(value)
        out.append(cells)
    return out


def snapshot():
    """Everything the import writes, to compare a database before and after."""
    return (
        list(Order.objects.order_by("pk").values()),
        list(OrderItem.objects.order_by("pk").values()),
    )


def report_counts(report):
    return report.created, report.updated, report.unchanged, len(report.rejected)


# --- reading: formats, encodings, layouts -------------------------------------------------------


@pytest.mark.parametrize("kind", list(WRITERS))
def test_an_order_with_three_sku_rows_becomes_one_order_with_three_items(shop, tmp_path, kind):
    path = WRITERS[kind](tmp_path / "orders", table(three_orders()))

    report = import_orders(path)

    assert report_counts(report) == (3, 0, 0, 0)
    assert report.shop == shop.name
    order = Order.objects.get(shop=shop, order_no=ORDER_A)
    items = sorted(order.items.values_list("sku_id", "name", "quantity"))
    assert items == [
        ("100012345678", "小米充电宝 10000mAh", 1),
        ("100012345679", "数据线 1m", 2),
        ("100012345680", "快充头 33W", 1),
    ]
    assert order.amount == Decimal("297.00")
    assert Order.objects.count() == 3
    assert OrderItem.objects.count() == 5


def test_order_numbers_and_phones_stored_as_numbers_in_xlsx_keep_all_their_digits(shop, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", numeric_cells(table(three_orders())))

    report = import_orders(path)

    assert report_counts(report) == (3, 0, 0, 0)
    assert set(Order.objects.values_list("order_no", flat=True)) == {ORDER_A, ORDER_B, ORDER_C}
    order = Order.objects.get(order_no=ORDER_A)
    assert order.receiver_phone == "13812345678"
    assert set(order.items.values_list("sku_id", flat=True)) == {
        "100012345678", "100012345679", "100012345680"}
    assert Order.objects.get(order_no=ORDER_C).items.get().quantity == 3


def test_order_numbers_and_phones_stored_as_text_in_xlsx_are_read_as_text(shop, tmp_path):
    rows = table([
        record(ORDER_A, order_no="'312345678901", phone=" 138 1234 5678 "),
        record(ORDER_B, order_no="３１２３４５６７８９０２", phone="１３９８７６５４３２１"),
    ])
    path = write_xlsx(tmp_path / "orders.xlsx", rows)

    report = import_orders(path)

    assert report_counts(report) == (2, 0, 0, 0)
    assert Order.objects.get(order_no=ORDER_A).receiver_phone == "13812345678"
    assert Order.objects.get(order_no=ORDER_B).receiver_phone == "13987654321"


def test_a_date_cell_and_a_text_time_both_become_aware_beijing_times(shop, tmp_path):
    rows = table([
        record(ORDER_A, ordered_at=datetime(2026, 11, 20, 10, 23, 45)),
        record(ORDER_B, ordered_at="2026/11/21 08:05:00"),
        record(ORDER_C, ordered_at="2026-11-22 23:59"),
    ])
    path = write_xlsx(tmp_path / "orders.xlsx", rows)

    assert report_counts(import_orders(path)) == (3, 0, 0, 0)

    times = dict(Order.objects.values_list("order_no", "ordered_at"))
    assert times[ORDER_A] == datetime(2026, 11, 20, 10, 23, 45, tzinfo=SHANGHAI)
    assert times[ORDER_B] == datetime(2026, 11, 21, 8, 5, tzinfo=SHANGHAI)
    assert times[ORDER_C] == datetime(2026, 11, 22, 23, 59, tzinfo=SHANGHAI)


def test_a_date_cell_in_an_xls_file_is_read_as_a_time(shop, tmp_path):
    rows = numeric_cells(table([record(ORDER_A, ordered_at="2026-11-20 10:23:45")]))
    path = write_xls(tmp_path / "orders.xls", rows)

    assert report_counts(import_orders(path)) == (1, 0, 0, 0)
    order = Order.objects.get()
    assert order.order_no == ORDER_A
    assert order.receiver_phone == "13812345678"
    assert order.ordered_at == datetime(2026, 11, 20, 10, 23, 45, tzinfo=SHANGHAI)


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_title_row_above_the_header_is_skipped_and_row_numbers_count_it(shop, tmp_path, kind):
    records = three_orders()
    records[3]["quantity"] = "两个"  # order B, 4th data row
    path = WRITERS[kind](tmp_path / "orders", table(records), title="京东商家后台 订单导出 2026-11-27")

    report = import_orders(path)

    # title = row 1, header = row 2, data from row 3: order B's row is spreadsheet row 6.
    assert [(r.row, r.order_no) for r in report.rejected] == [(6, ORDER_B)]
    assert report.created == 2


def test_a_file_with_shuffled_columns_and_other_header_aliases_reads_the_same(shop, tmp_path):
    first = write_xlsx(tmp_path / "jd.xlsx", table(three_orders(), JD_HEADER))
    shuffled = write_csv(tmp_path / "shuffled.csv", table(three_orders(), SHUFFLED_HEADER))

    assert report_counts(import_orders(first)) == (3, 0, 0, 0)
    before = snapshot()
    report = import_orders(shuffled)

    assert report_counts(report) == (0, 0, 3, 0)
    assert snapshot() == before


def test_aliases_name_receiver_phone_and_address_columns(shop, tmp_path):
    header = ["收货地址", "订单号", "手机", "收货人", "订单状态"]
    path = write_csv(tmp_path / "orders.csv", table([record(ORDER_A, name="赵六")], header))

    import_orders(path)

    order = Order.objects.get()
    assert (order.receiver_name, order.receiver_phone, order.receiver_province) == (
        "赵六", "13812345678", "浙江省")


def test_a_gbk_csv_from_chinese_excel_is_decoded(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", table(three_orders()), encoding="gb18030")
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")

    report = import_orders(path)

    assert report_counts(report) == (3, 0, 0, 0)
    order = Order.objects.get(order_no=ORDER_C)
    assert (order.receiver_name, order.remark, order.amount) == ("王五", "送货前电话联系", Decimal("1299.00"))


def test_a_tab_separated_csv_is_read(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", table(three_orders()), delimiter="\t")

    assert report_counts(import_orders(path)) == (3, 0, 0, 0)
    assert Order.objects.get(order_no=ORDER_C).amount == Decimal("1299.00")


def test_blank_rows_are_skipped_but_still_counted_in_row_numbers(shop, tmp_path):
    header, a, b = table([record(ORDER_A), record(ORDER_B, status="已发出")])
    path = write_xlsx(tmp_path / "orders.xlsx", [header, a, [""] * len(header), b])

    report = import_orders(path)

    assert report.created == 1
    assert [r.row for r in report.rejected] == [4]


# --- mapping onto orders --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word, status",
    [
        ("等待出库", OrderStatus.AWAITING_SHIPMENT),
        ("等待确认收货", OrderStatus.SHIPPED),
        ("完成", OrderStatus.FINISHED),
        ("已取消", OrderStatus.CANCELED),
        ("锁定", OrderStatus.LOCKED),
        ("已锁定", OrderStatus.LOCKED),
    ],
)
def test_a_jd_state_word_maps_to_our_status(shop, tmp_path, word, status):
    path = write_csv(tmp_path / "orders.csv", table([record(ORDER_A, status=word)]))

    assert report_counts(import_orders(path)) == (1, 0, 0, 0)
    assert Order.objects.get().status == status


def test_a_blank_state_means_awaiting_shipment(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", table([record(ORDER_A, status="")]))

    import_orders(path)

    assert Order.objects.get().status == OrderStatus.AWAITING_SHIPMENT


@pytest.mark.parametrize(
    "address, parts",
    [
        ("浙江省杭州市西湖区文三路90号1号楼302室", ("浙江省", "杭州市", "西湖区", "文三路90号1号楼302室")),
        ("北京市朝阳区建国路88号SOHO现代城5号楼", ("北京市", "北京市", "朝阳区", "建国路88号SOHO现代城5号楼")),
        ("广东省 深圳市 南山区 科技园南区粤海街道1号", ("广东省", "深圳市", "南山区", "科技园南区粤海街道1号")),
    ],
)
def test_the_one_line_address_is_split_into_province_city_district_and_detail(shop, tmp_path, address, parts):
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_A, address=address)]))

    import_orders(path)

    order = Order.objects.get()
    assert (order.receiver_province, order.receiver_city, order.receiver_district,
            order.receiver_address) == parts


@pytest.mark.parametrize(
    "cell, phone, last4",
    [
        (13812345678, "13812345678", "5678"),
        ("138-1234-5678", "13812345678", "5678"),
        ("+86 139 8765 4321", "13987654321", "4321"),
        ("010-65529988", "010-65529988", "9988"),
        ("13812345678转1234", "13812345678-1234", "5678"),
        ("", "", ""),
    ],
)
def test_the_phone_is_normalized_and_its_last_four_digits_stored(shop, tmp_path, cell, phone, last4):
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_A, phone=cell)]))

    assert report_counts(import_orders(path)) == (1, 0, 0, 0)
    order = Order.objects.get()
    assert (order.receiver_phone, order.receiver_phone_last4) == (phone, last4)


def test_order_fields_come_from_the_export(shop, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", table(three_orders()))

    import_orders(path)

    order = Order.objects.get(order_no=ORDER_C)
    assert order.shop == shop
    assert order.buyer_id == "jd_buyer01"
    assert order.receiver_name == "王五"
    assert order.amount == Decimal("1299.00")
    assert order.remark == "送货前电话联系"
    assert order.status == OrderStatus.FINISHED


def test_the_shop_option_imports_into_that_shop_creating_it(shop, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", table(three_orders()))

    report = import_orders(path, shop_name="第二家店")

    assert report.shop == "第二家店"
    assert Order.objects.filter(shop__name="第二家店").count() == 3
    assert not Order.objects.filter(shop=shop).exists()


def test_without_any_shop_the_orders_go_to_a_new_default_shop(db, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_A)]))

    report = import_orders(path)

    assert report.shop == "默认店铺"
    assert Order.objects.get().shop.name == "默认店铺"


def test_with_several_shops_and_no_shop_option_the_import_asks_which_shop(shop, tmp_path):
    Shop.objects.create(name="另一家店")
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_A)]))

    with pytest.raises(ValueError, match="--shop"):
        import_orders(path)
    assert not Order.objects.exists()


# --- idempotency and updates ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(WRITERS))
def test_importing_the_same_file_twice_changes_nothing_the_second_time(shop, tmp_path, kind):
    rows = table(three_orders())
    if kind in ("xlsx", "xls"):
        rows = numeric_cells(rows)
    path = WRITERS[kind](tmp_path / "orders", rows)

    assert report_counts(import_orders(path)) == (3, 0, 0, 0)
    before = snapshot()
    second = import_orders(path)

    assert report_counts(second) == (0, 0, 3, 0)
    assert second.warnings == []
    assert snapshot() == before


def test_a_changed_row_updates_its_order_and_leaves_the_others_unchanged(shop, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", table(three_orders()))
    import_orders(path)
    untouched = list(Order.objects.exclude(order_no=ORDER_A).order_by("pk").values())

    records = three_orders()
    records[1]["quantity"] = "5"  # order A, second SKU
    for rec in records[:3]:
        rec["address"] = "浙江省杭州市滨江区网商路699号"
    write_xlsx(path, table(records))
    report = import_orders(path)

    assert report_counts(report) == (0, 1, 2, 0)
    order = Order.objects.get(order_no=ORDER_A)
    assert (order.receiver_district, order.receiver_address) == ("滨江区", "网商路699号")
    assert order.items.get(sku_id="100012345679").quantity == 5
    assert list(Order.objects.exclude(order_no=ORDER_A).order_by("pk").values()) == untouched


def test_an_items_change_alone_counts_as_an_update_and_keeps_the_other_items(shop, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", table(three_orders()))
    import_orders(path)
    kept = OrderItem.objects.get(sku_id="100012345678")

    records = three_orders()
    del records[2]  # order A's third SKU is gone from the export
    write_xlsx(path, table(records))
    report = import_orders(path)

    assert report_counts(report) == (0, 1, 2, 0)
    order = Order.objects.get(order_no=ORDER_A)
    assert sorted(order.items.values_list("sku_id", flat=True)) == ["100012345678", "100012345679"]
    # Items are matched by SKU, so an unchanged item keeps its row (and what points at it).
    assert order.items.get(sku_id="100012345678").pk == kept.pk


def test_a_status_moving_forward_updates_the_order(shop, tmp_path, make_order):
    make_order(ORDER_A, status=OrderStatus.AWAITING_SHIPMENT)
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_A, status="等待确认收货")]))

    report = import_orders(path)

    assert report.updated == 1
    assert report.warnings == []
    assert Order.objects.get().status == OrderStatus.SHIPPED


def test_an_older_export_does_not_move_a_shipped_order_back_to_awaiting_shipment(shop, tmp_path, make_order):
    make_order(ORDER_A, status=OrderStatus.SHIPPED)
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_A, status="等待出库")]))

    report = import_orders(path)

    assert Order.objects.get().status == OrderStatus.SHIPPED
    assert len(report.warnings) == 1
    assert ORDER_A in report.warnings[0]
    assert "第 2 行" in report.warnings[0]
    assert report.rejected == []


def test_an_older_export_does_not_reopen_a_finished_order(shop, tmp_path, make_order):
    make_order(ORDER_A, status=OrderStatus.FINISHED)
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_A, status="等待确认收货")]))

    report = import_orders(path)

    assert Order.objects.get().status == OrderStatus.FINISHED
    assert len(report.warnings) == 1


# --- rejections ------------------------------------------------------------------------------------------

# (field key, bad cell, a word the reason must contain). The numeric 20-digit order number is a
# number cell (Excel kept only 15 significant digits); everything else is a text cell.
BAD_CELLS = {
    "unknown state word": ("status", "已发出", "订单状态"),
    "20-digit order number stored as a number": ("order_no", 12345678901234567890, "订单号"),
    "scientific-notation order number": ("order_no", "3.12346E+11", "订单号"),
    "letters in the order number": ("order_no", "JD312345678901", "订单号"),
    "non-numeric quantity": ("quantity", "两件", "订购数量"),
    "zero quantity": ("quantity", "0", "订购数量"),
    "bad time": ("ordered_at", "2026-13-45 25:61:00", "下单时间"),
    "bad amount": ("amount", "九十九元", "订单金额"),
    "negative amount": ("amount", "-5.00", "订单金额"),
    "bad phone": ("phone", "1381234567", "联系电话"),
}


@pytest.mark.parametrize("key, bad, word", list(BAD_CELLS.values()), ids=list(BAD_CELLS))
def test_a_bad_row_is_rejected_with_its_spreadsheet_row_number_while_good_orders_import(
    shop, tmp_path, key, bad, word
):
    records = [record(ORDER_A), record(ORDER_B, **{key: bad}), record(ORDER_C)]
    path = write_xlsx(tmp_path / "orders.xlsx", table(records))

    report = import_orders(path)

    # header = row 1, so the bad (second) data row is spreadsheet row 3
    assert [r.row for r in report.rejected] == [3]
    assert report.created == 2
    assert set(Order.objects.values_list("order_no", flat=True)) == {ORDER_A, ORDER_C}


@pytest.mark.parametrize("key, bad, word", list(BAD_CELLS.values()), ids=list(BAD_CELLS))
def test_the_rejection_reason_names_the_wrong_field(shop, tmp_path, key, bad, word):
    path = write_xlsx(tmp_path / "orders.xlsx", table([record(ORDER_B, **{key: bad})]))

    report = import_orders(path)

    assert len(report.rejected) == 1
    assert word in report.rejected[0].reason


def test_a_rejection_keeps_the_order_number_when_it_could_be_read(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", table([record(ORDER_A, quantity="x")]))

    report = import_orders(path)

    assert report.rejected[0].order_no == ORDER_A


def test_several_bad_rows_in_one_csv_are_all_reported_in_row_order(shop, tmp_path):
    records = [
        record(ORDER_A, order_no="3.12346E+11"),             # row 2
        record(ORDER_A),                                      # row 3: good
        record(ORDER_B, ordered_at="昨天"),                   # row 4
        record(ORDER_C, phone="12345"),                       # row 5
        record("312345678904", amount="abc"),                 # row 6
    ]
    path = write_csv(tmp_path / "orders.csv", table(records), encoding="gb18030")

    report = import_orders(path)

    assert [r.row for r in report.rejected] == [2, 4, 5, 6]
    assert report.created == 1
    assert list(Order.objects.values_list("order_no", flat=True)) == [ORDER_A]


def test_one_bad_sku_row_rejects_all_rows_of_its_order_and_writes_nothing_of_it(shop, tmp_path):
    records = three_orders()
    records[1]["quantity"] = "二"  # order A's second SKU (row 3)
    path = write_xlsx(tmp_path / "orders.xlsx", table(records))

    report = import_orders(path)

    assert [(r.row, r.order_no) for r in report.rejected] == [
        (2, ORDER_A), (3, ORDER_A), (4, ORDER_A)]
    assert "订购数量" in report.rejected[1].reason
    assert "整单未导入" in report.rejected[0].reason
    assert "整单未导入" in report.rejected[2].reason
    assert not Order.objects.filter(order_no=ORDER_A).exists()
    assert not OrderItem.objects.filter(sku_id__in=["100012345678", "100012345680"]).exists()
    assert set(Order.objects.values_list("order_no", flat=True)) == {ORDER_B, ORDER_C}


def test_one_bad_sku_row_leaves_an_existing_order_exactly_as_it_was(shop, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", table(three_orders()))
    import_orders(path)
    before = snapshot()

    records = three_orders()
    for rec in records[:3]:
        rec["name"] = "张三丰"        # would change the order …
    records[0]["quantity"] = "9"      # … and an item …
    records[2]["ordered_at"] = "??"  # … but its last row is bad
    write_xlsx(path, table(records))
    report = import_orders(path)

    assert report_counts(report) == (0, 0, 2, 3)
    assert snapshot() == before


def test_an_amount_written_as_nan_is_rejected_instead_of_aborting_the_import(shop, tmp_path):
    records = [record(ORDER_A, amount="NaN"), record(ORDER_B)]
    path = write_csv(tmp_path / "orders.csv", table(records))

    report = import_orders(path)

    assert [r.row for r in report.rejected] == [2]
    assert "订单金额" in report.rejected[0].reason
    assert report.created == 1


def test_an_order_listing_the_same_sku_on_two_rows_is_unchanged_when_imported_again(shop, tmp_path):
    records = [
        record(ORDER_A, sku="100012345678", item="充电宝", quantity="1"),
        record(ORDER_A, sku="100012345678", item="充电宝（赠品）", quantity="2"),
    ]
    path = write_xlsx(tmp_path / "orders.xlsx", table(records))
    import_orders(path)
    before = snapshot()

    report = import_orders(path)

    assert report_counts(report) == (0, 0, 1, 0)
    assert snapshot() == before


# --- errors about the file itself ----------------------------------------------------------------------


def test_a_file_without_an_order_number_column_is_a_clear_value_error(shop, tmp_path):
    header = [label for label in JD_HEADER if label != "订单号"]
    path = write_xlsx(tmp_path / "orders.xlsx", table([record()], header))

    with pytest.raises(ValueError, match="没有找到「订单号」列"):
        import_orders(path)
    assert not Order.objects.exists()


@pytest.mark.parametrize("name", ["orders.pdf", "orders.json", "orders"])
def test_an_unsupported_file_type_is_a_clear_error(shop, tmp_path, name):
    path = tmp_path / name
    path.write_text("订单号\n312345678901\n", encoding="utf-8")

    with pytest.raises(ValueError, match="不支持的文件类型"):
        import_orders(path)


def test_a_missing_file_is_a_clear_error(shop, tmp_path):
    with pytest.raises(ValueError, match="文件不存在"):
        import_orders(tmp_path / "nope.xlsx")


def test_a_corrupt_workbook_is_a_clear_error(shop, tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(b"this is not a zip file")

    with pytest.raises(ValueError, match="无法读取表格文件"):
        import_orders(path)


# --- the command ---------------------------------------------------------------------------------


def test_the_import_command_prints_the_json_report(shop, tmp_path, capsys):
    path = write_xlsx(tmp_path / "orders.xlsx", table(three_orders()))

    call_command("orders", "import", str(path), "--json")

    report = json.loads(capsys.readouterr().out)
    assert report == {"shop": shop.name, "created": 3, "updated": 0, "unchanged": 0,
                      "rejected": [], "warnings": []}


def test_the_import_command_with_rejections_prints_them_and_fails(shop, tmp_path, capsys):
    records = [record(ORDER_A), record(ORDER_B, status="已发出")]
    path = write_csv(tmp_path / "orders.csv", table(records))

    with pytest.raises(CommandError, match="1 行未导入"):
        call_command("orders", "import", str(path), "--json")

    report = json.loads(capsys.readouterr().out)
    assert report["created"] == 1
    assert [(r["row"], r["order_no"]) for r in report["rejected"]] == [(3, ORDER_B)]
    assert "订单状态" in report["rejected"][0]["reason"]
    assert Order.objects.filter(order_no=ORDER_A).exists()


def test_the_import_command_takes_a_shop_and_prints_a_summary(shop, tmp_path, capsys):
    path = write_xlsx(tmp_path / "orders.xlsx", table(three_orders()))

    call_command("orders", "import", str(path), "--shop", "旗舰店")

    out = capsys.readouterr().out
    assert "新增 3 单" in out
    assert "旗舰店" in out
    assert Order.objects.filter(shop__name="旗舰店").count() == 3


def test_the_import_command_turns_a_missing_order_number_column_into_a_command_error(shop, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [["收货人", "手机"], ["张三", "13812345678"]])

    with pytest.raises(CommandError, match="订单号"):
        call_command("orders", "import", str(path))


def test_the_cli_exits_with_status_1_when_rows_are_rejected(shop, tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", table([record(ORDER_A, quantity="many")]))

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["orders", "import", str(path), "--json"])

    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["rejected"][0]["row"] == 2
    assert "未导入" in captured.err


def test_the_cli_exits_with_status_0_when_everything_imports(shop, tmp_path, capsys):
    path = write_csv(tmp_path / "orders.csv", table(three_orders()))

    cli.main(["orders", "import", str(path), "--json"])  # no SystemExit

    assert json.loads(capsys.readouterr().out)["created"] == 3


@pytest.mark.parametrize(
    ("key", "bad", "word"),
    [("amount", "123456789012.00", "订单金额"), ("name", "张" * 51, "客户姓名"), ("item", "货" * 256, "商品名称"),
     ("quantity", "²", "订购数量"), ("order_no", "1" * 21, "订单号")],
)
def test_a_value_the_database_cannot_hold_is_rejected_not_a_crash(shop, tmp_path, key, bad, word):
    path = write_csv(tmp_path / "orders.csv", table([record(ORDER_A, **{key: bad}), record(ORDER_B)]))

    report = import_orders(path)

    assert [r.row for r in report.rejected] == [2] and word in report.rejected[0].reason
    assert list(Order.objects.values_list("order_no", flat=True)) == [ORDER_B]
