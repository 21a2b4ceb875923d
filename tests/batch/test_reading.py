"""Reading the batch logistics query's upload: real files from Excel-like writers and LibreOffice,
the number column found by header or by shape, numbers normalized or flagged, bad files refused."""

import os
import random
import shutil
import struct
import subprocess
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import xlsxwriter
import xlwt
import xlwt.CompoundDoc

from yundan.batch import reading
from yundan.batch.reading import InputError, InputValue, read_query_input

ORDER_NO = "312345678901"
TWENTY_DIGITS = 12053695854357871005
LOST = "数字精度丢失："


def numbers(query) -> list[tuple[int, str]]:
    """(row, number) of every value, a problem shown as "!" + its start."""
    return [(value.row, value.number or "!" + value.problem[: len(LOST)]) for value in query.values]


# --- LibreOffice-made files (one soffice call per target format, all three in parallel) ------------


class Merged(str):
    """A text cell spanning ``span`` columns, like a title row in a merchant's sheet."""

    span = 3


def _fods_cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, Merged):
        covered = "<table:covered-table-cell/>" * (value.span - 1)
        return (f'<table:table-cell table:number-columns-spanned="{value.span}" office:value-type="string">'
                f"<text:p>{escape(value)}</text:p></table:table-cell>{covered}")
    if isinstance(value, (int, float)):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def write_fods(path: Path, sheets: dict[str, list[list]]) -> Path:
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join("<table:table-row>" + "".join(map(_fods_cell, row or [None])) + "</table:table-row>"
                  for row in rows)
        + "</table:table>"
        for name, rows in sheets.items()
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
        ' office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document>",
        encoding="utf-8",
    )
    return path


LO_ORDERS = {
    "订单": [
        [Merged("京东订单导出 2024年6月")],
        ["订单编号", "客户姓名", "运单号"],
        [float(ORDER_NO), "张三", "JDX000234596031-1-2-"],
        ["0012345678", "李四", "JDX000234596031-2-2-"],
        [],
        [TWENTY_DIGITS, "王五"],
        ["1.23457E+11", "赵六"],
        [ORDER_NO, "张三"],
    ]
}
LO_ORDERS_EXPECTED = [(3, ORDER_NO), (4, "0012345678"), (6, "!" + LOST), (7, "!" + LOST), (8, ORDER_NO)]
LO_TWO_SHEETS = {
    "说明": [["请在「明细」表填写运单号"], ["每行一个，不要合并单元格"]],
    "明细": [[], ["件数", "Waybill No"], [1, "jdva12345678901"], [2, "SF1234567890123"]],
}
# Starts at B3: calamine's rows are counted from row 1, its columns from the first one with data.
LO_HEADERLESS = {
    "Sheet1": [[], [], [None, "6月补发"], [None, ORDER_NO], [None, "JDX000234596031"], [],
               [None, 312345678902], [None, "312345678903"], [None, "JDVA12345678901-1-1-"]],
}
LO_HEADERLESS_EXPECTED = [(4, ORDER_NO), (5, "JDX000234596031"), (7, "312345678902"), (8, "312345678903"),
                          (9, "JDVA12345678901")]
# What a merchant gets after opening a CSV in a spreadsheet: long numbers turned into numbers.
SPREADSHEET_OPENED_CSV = f"tracking number,qty\r\n{TWENTY_DIGITS},1\r\n{ORDER_NO},2\r\n"


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory) -> dict[str, Path]:
    """Directory per format ("xlsx", "xls", "ods") of files LibreOffice converted from .fods/.csv."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path_factory.mktemp("lo-source")
    fods = [
        write_fods(source / "orders.fods", LO_ORDERS),
        write_fods(source / "two_sheets.fods", LO_TWO_SHEETS),
        write_fods(source / "headerless.fods", LO_HEADERLESS),
    ]
    opened_csv = source / "opened.csv"
    opened_csv.write_text(SPREADSHEET_OPENED_CSV, encoding="ascii")
    jobs = {"xlsx": [*fods, opened_csv], "xls": fods, "ods": fods}
    out = {fmt: tmp_path_factory.mktemp(f"lo-{fmt}") for fmt in jobs}
    processes = [
        subprocess.Popen(
            # A profile per process: concurrent soffice runs on one profile wait on its lock.
            ["soffice", f"-env:UserInstallation={tmp_path_factory.mktemp('lo-profile').as_uri()}", "--headless",
             "--convert-to", fmt, "--outdir", str(out[fmt]), *map(str, files)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for fmt, files in jobs.items()
    ]
    for process in processes:
        process.wait(timeout=180)
    for fmt, files in jobs.items():
        for file in files:
            assert (out[fmt] / f"{file.stem}.{fmt}").exists(), f"LibreOffice did not write {file.stem}.{fmt}"
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_order_export_with_merged_title_reads_numbers_and_flags_lost_digits(libreoffice, fmt):
    query = read_query_input(libreoffice[fmt] / f"orders.{fmt}")
    assert (query.sheet, query.column) == ("订单", "订单编号")
    values = list(query.values)
    assert [(v.row, v.number or "!" + v.problem[: len(LOST)]) for v in values] == LO_ORDERS_EXPECTED
    lost = values[2]
    # What the spreadsheet kept: 20 digits, the last ones rounded away (how depends on the writer).
    assert len(lost.raw) == 20 and lost.raw != str(TWENTY_DIGITS)
    assert "文本" in lost.problem  # the advice: store the column as text and export again


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_second_sheet_with_header_wins_over_a_first_sheet_of_notes(libreoffice, fmt):
    query = read_query_input(libreoffice[fmt] / f"two_sheets.{fmt}")
    assert (query.sheet, query.column) == ("明细", "Waybill No")
    assert numbers(query) == [(3, "JDVA12345678901"), (4, "SF1234567890123")]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_libreoffice_headerless_sheet_starting_at_b3_keeps_excel_row_and_column_numbers(libreoffice, fmt):
    query = read_query_input(libreoffice[fmt] / f"headerless.{fmt}")
    assert (query.sheet, query.column) == ("Sheet1", "第2列（无表头）")
    assert numbers(query) == LO_HEADERLESS_EXPECTED


def test_csv_opened_and_saved_in_a_spreadsheet_reports_the_number_it_rounded(libreoffice):
    query = read_query_input(libreoffice["xlsx"] / "opened.xlsx")
    assert query.column == "tracking number"
    assert numbers(query) == [(2, "!" + LOST), (3, ORDER_NO)]


# --- XlsxWriter: everything a merchant's workbook throws at us ----------------------------------


def write_merchant_xlsx(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("批量查询")
    sheet.merge_range("A1:C1", "6月待查物流（请勿修改表头）")
    sheet.write_row(1, 0, ["序号", "订单号", "备注"])
    rows = [
        (3, float(ORDER_NO), "numeric cell"),
        (4, TWENTY_DIGITS, "20 digits stored as a number"),
        (5, "1.23457E+11", "scientific notation typed as text"),
        (6, "３１２３４５６７８９０２", "full-width digits"),
        (7, "'312345678903", "leading apostrophe kept as text"),
        (9, "\t312345678904 ", "tab and space padding"),
        (10, "jdx000234596031-1-2-", "package code 1 of 2"),
        (11, "JDX000234596031-2-2-", "package code 2 of 2: same waybill again"),
        (12, "", "no number on this row"),
        (13, ORDER_NO, "duplicate of row 3"),
        (14, "无", "not a number at all"),
        (15, "SF1234567890123", "another carrier's waybill"),
    ]
    for row, number, remark in rows:  # row 8 stays blank
        sheet.write(row - 1, 0, row - 2)
        if isinstance(number, float | int):
            sheet.write_number(row - 1, 1, number)
        elif number:
            sheet.write_string(row - 1, 1, number)
        sheet.write_string(row - 1, 2, remark)
    workbook.close()
    return path


def test_merchant_workbook_yields_normalized_numbers_in_order_with_excel_row_numbers(tmp_path):
    query = read_query_input(write_merchant_xlsx(tmp_path / "待查.xlsx"))
    assert (query.sheet, query.column) == ("批量查询", "订单号")
    assert numbers(query) == [
        (3, ORDER_NO),
        (4, "!" + LOST),
        (5, "!" + LOST),
        (6, "312345678902"),
        (7, "312345678903"),
        (9, "312345678904"),
        (10, "JDX000234596031"),
        (11, "JDX000234596031"),  # duplicates are yielded again: the answer file mirrors the input
        (13, ORDER_NO),
        (14, "无"),  # not a number: queried as typed, the service answers 未找到
        (15, "SF1234567890123"),
    ]


def test_raw_keeps_what_the_merchant_typed_and_problem_explains_lost_digits(tmp_path):
    values = {value.row: value for value in read_query_input(write_merchant_xlsx(tmp_path / "a.xlsx")).values}
    assert values[3] == InputValue(3, ORDER_NO, ORDER_NO, "")
    assert values[10] == InputValue(10, "jdx000234596031-1-2-", "JDX000234596031", "")
    assert values[6].raw == "312345678902"  # cell_text already makes full-width digits half-width
    assert values[4].number == "" and values[4].problem.startswith(LOST) and "超过15位" in values[4].problem
    assert values[5].number == "" and "科学计数法" in values[5].problem
    assert values[5].raw == "1.23457E+11"


def test_values_are_streamed_lazily(tmp_path):
    query = read_query_input(write_merchant_xlsx(tmp_path / "a.xlsx"))
    assert isinstance(query.values, Iterator)
    assert next(query.values).row == 3


def test_a_renamed_file_is_read_by_its_content(tmp_path):
    xls = tmp_path / "saved_as.xlsx"  # an .xls renamed to .xlsx, and the reverse
    write_xls(xls)
    assert numbers(read_query_input(xls))[0] == (2, ORDER_NO)
    xlsx = tmp_path / "saved_as.xls"
    write_merchant_xlsx(xlsx)
    assert numbers(read_query_input(xlsx))[0] == (3, ORDER_NO)


def test_headerless_workbook_uses_the_column_that_looks_like_numbers(tmp_path):
    path = tmp_path / "headerless.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["补发清单"])
    for row, (name, number) in enumerate(
        [("张三", ORDER_NO), ("李四", "JDX000234596031-1-1-"), ("王五", 312345678902), ("赵六", "无"),
         ("钱七", "VA12345678901"), ("孙八", "312345678903")],
        start=1,
    ):
        sheet.write(row, 0, name)
        sheet.write(row, 1, number)
    workbook.close()
    query = read_query_input(path)
    assert (query.sheet, query.column) == ("Sheet1", "第2列（无表头）")
    assert numbers(query) == [
        (2, ORDER_NO), (3, "JDX000234596031"), (4, "312345678902"), (5, "无"), (6, "VA12345678901"), (7, "312345678903")
    ]


def test_second_sheet_with_a_header_is_used_when_the_first_has_none(tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("说明").write(0, 0, "单号请填在第二个表")
    data = workbook.add_worksheet("数据")
    data.write_row(3, 0, ["店铺", "物流单号"])  # header in row 4, under a title and blank rows
    data.write_row(4, 0, ["旗舰店", "JDVB12345678901"])
    workbook.close()
    query = read_query_input(path)
    assert (query.sheet, query.column) == ("数据", "物流单号")
    assert numbers(query) == [(5, "JDVB12345678901")]


# --- .xls, CSV, TXT ------------------------------------------------------------------------------


def write_xls(path: Path) -> Path:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("运单")
    sheet.write(0, 0, "快递单号")
    sheet.write(1, 0, float(ORDER_NO))  # xlwt stores numbers as floats, as Excel does
    sheet.write(2, 0, "JDVA12345678901")
    sheet.write(4, 0, " jdx000234596031-2-2- ")
    workbook.save(str(path))
    return path


def test_xls_from_xlwt(tmp_path):
    query = read_query_input(write_xls(tmp_path / "运单.xls"))
    assert (query.sheet, query.column) == ("运单", "快递单号")
    assert numbers(query) == [(2, ORDER_NO), (3, "JDVA12345678901"), (5, "JDX000234596031")]


def test_gbk_csv_saved_by_chinese_excel(tmp_path):
    data = f"订单号,收货人\r\n{ORDER_NO},张三\r\n３１２３４５６７８９０２,李四\r\n,王五\r\n".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    query = read_query_input(path)
    assert (query.sheet, query.column) == ("orders", "订单号")
    assert numbers(query) == [(2, ORDER_NO), (3, "312345678902")]


def test_utf8_bom_csv_header_in_the_first_cell_is_found(tmp_path):
    path = tmp_path / "waybills.csv"
    path.write_bytes(f"运单号,备注\n{ORDER_NO},a\n\nJDX000234596031-1-3-,b\n".encode("utf-8-sig"))
    query = read_query_input(path)
    assert query.column == "运单号"
    assert numbers(query) == [(2, ORDER_NO), (4, "JDX000234596031")]


def test_tab_separated_csv_is_sniffed(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(f"店铺\tTracking Number\n旗舰店\t{ORDER_NO}\n旗舰店\tJDX000234596031\n", encoding="utf-8")
    query = read_query_input(path)
    assert query.column == "Tracking Number"
    assert numbers(query) == [(2, ORDER_NO), (3, "JDX000234596031")]


@pytest.mark.parametrize("alias", [*reading.NUMBER_ALIASES["number"], "ORDER NO", "Order_No", " Waybill  No "])
def test_every_header_alias_is_recognized_whatever_its_case_and_spaces(tmp_path, alias):
    path = tmp_path / "a.csv"
    path.write_text(f"备注,{alias}\nx,{ORDER_NO}\n", encoding="utf-8")
    query = read_query_input(path)
    assert query.column == alias.strip()
    assert numbers(query) == [(2, ORDER_NO)]


def test_txt_one_number_per_line_without_header(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_text(f"以下是单号\r\n{ORDER_NO}\r\n\r\n JDX000234596031-1-3-\r\n３１２３４５６７８９０２\r\n{ORDER_NO}\r\n",
                    encoding="utf-8")
    query = read_query_input(path)
    assert (query.sheet, query.column) == ("pasted", "第1列（无表头）")
    assert numbers(query) == [(2, ORDER_NO), (4, "JDX000234596031"), (5, "312345678902"), (6, ORDER_NO)]


def test_txt_with_a_header_line(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(f"查询值\n{ORDER_NO}\nabc\n", encoding="utf-8")
    query = read_query_input(path)
    assert query.column == "查询值"
    assert numbers(query) == [(2, ORDER_NO), (3, "ABC")]


# --- files refused as a whole --------------------------------------------------------------------


def test_a_file_without_any_number_column_is_refused(tmp_path):
    path = tmp_path / "names.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for row, name in enumerate(["张三", "李四", "王五"]):
        sheet.write_row(row, 0, [name, "北京市", "已签收"])
    workbook.close()
    with pytest.raises(InputError, match="没有找到单号列"):
        read_query_input(path)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="没有数据"):
        read_query_input(path)


@pytest.mark.parametrize("name", ["report.pdf", "orders.numbers", "orders"])
def test_an_unsupported_suffix_is_named_with_the_accepted_ones(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(InputError, match="不支持的文件类型") as caught:
        read_query_input(path)
    assert (Path(name).suffix or name) in str(caught.value)
    assert ".xlsx" in str(caught.value) and ".csv" in str(caught.value)


def fake_encrypted_ooxml(padding: int) -> bytes:
    """What JD's export centre sends: an OLE compound file holding an ``EncryptedPackage`` stream."""

    def directory_entry(name: str) -> bytes:  # name (UTF-16, zero-padded to 64 bytes), its length, the rest
        return name.encode("utf-16-le").ljust(64, b"\0") + struct.pack("<H", 2 * len(name) + 2) + bytes(62)

    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(padding) + directory_entry("EncryptionInfo")
            + directory_entry("EncryptedPackage") + bytes(512))


# With (1 << 20) - 156 bytes of padding the directory entry straddles the reader's 1 MiB chunks.
@pytest.mark.parametrize("name, padding", [("订单.xlsx", 1000), ("订单.xlsx", (1 << 20) - 156), ("订单.xls", 1000)])
def test_an_encrypted_export_asks_for_the_sms_password(tmp_path, name, padding):
    path = tmp_path / name
    path.write_bytes(fake_encrypted_ooxml(padding))
    with pytest.raises(InputError, match="文件已加密.*短信中的密码") as caught:
        read_query_input(path)
    assert "password" in str(caught.value)


def test_a_password_protected_xls_asks_for_the_password(tmp_path):
    workbook = xlwt.Workbook()
    workbook.add_sheet("运单").write(0, 0, ORDER_NO)
    stream = workbook.get_biff_data()
    bof_end = 4 + struct.unpack("<H", stream[2:4])[0]
    # FILEPASS record (0x002F) with RC4 encryption right after BOF, as Excel writes it.
    payload = struct.pack("<HHH", 1, 1, 1) + bytes(48)
    filepass = struct.pack("<HH", 0x2F, len(payload)) + payload
    path = tmp_path / "protected.xls"
    xlwt.CompoundDoc.XlsDoc().save(str(path), stream[:bof_end] + filepass + stream[bof_end:])
    with pytest.raises(InputError, match="文件已加密"):
        read_query_input(path)


def test_a_password_protected_ods_asks_for_the_password(tmp_path):
    path = tmp_path / "protected.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", '<manifest:file-entry manifest:full-path="content.xml">'
                         '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry>')
        archive.writestr("content.xml", os.urandom(64))
    with pytest.raises(InputError, match="文件已加密"):
        read_query_input(path)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(20 << 20))  # 20 MB of zeros: ~1000:1
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match="zip bomb"):
        read_query_input(path)


def test_a_workbook_expanding_beyond_the_size_limit_is_refused(tmp_path, monkeypatch):
    path = write_merchant_xlsx(tmp_path / "a.xlsx")
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 4096)
    with pytest.raises(InputError, match="解压后"):
        read_query_input(path)


def truncated_xls(path: Path) -> bytes:
    data = write_xls(path).read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "name, content",
    [
        ("random.xlsx", random.Random(1).randbytes(5000)),
        ("random.xls", random.Random(2).randbytes(5000)),
        ("empty.xlsx", b""),
        ("page.xls", "<html><table><tr><td>订单号</td></tr></table></html>".encode()),
        ("not_a_sheet.xlsx", None),  # a valid zip of something else
        ("truncated.xls", "truncate"),
        ("ole_but_no_workbook.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)),
    ],
)
def test_a_corrupt_or_foreign_file_is_named_and_refused(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("photo.txt", "hello")
    elif content == "truncate":
        content = truncated_xls(tmp_path / "whole.xls")
        path.write_bytes(content)
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match="无法读取文件") as caught:
        read_query_input(path)
    assert name in str(caught.value)


def write_rows(path: Path, count: int) -> Path:
    lines = ["运单号", *(str(300000000000 + i) for i in range(count))]
    if path.suffix == ".xlsx":
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet()
        for row, line in enumerate(lines):
            sheet.write_string(row, 0, line)
        workbook.close()
    else:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".txt"])
def test_more_rows_than_excel_allows_is_refused_before_any_value(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(reading, "MAX_ROWS", 20)
    assert len(list(read_query_input(write_rows(tmp_path / f"ok{suffix}", 19)).values)) == 19
    with pytest.raises(InputError, match="超过 20 行"):
        read_query_input(write_rows(tmp_path / f"long{suffix}", 20))


def test_a_sheet_found_too_long_while_streaming_raises_from_the_iterator(tmp_path, monkeypatch):
    query = read_query_input(write_rows(tmp_path / "a.xlsx", 30))
    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    seen = []
    with pytest.raises(InputError, match="超过 10 行"):
        for value in query.values:
            seen.append(value.row)
    assert seen == list(range(2, 11))


# --- memory --------------------------------------------------------------------------------------


def test_a_200000_row_workbook_is_streamed_not_loaded_into_python(tmp_path):
    path = tmp_path / "big.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["订单号", "运单号"])
    for row in range(1, 200_001):
        sheet.write_number(row, 0, 300000000000 + row)
        sheet.write_string(row, 1, f"JDX{row:012d}")
    workbook.close()

    tracemalloc.start()
    try:
        query = read_query_input(path)
        count = 0
        for value in query.values:
            count += 1
            last = value
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000 and last == InputValue(200_001, "300000200000", "300000200000", "")
    # Holding the rows as Python lists (to_python()) would take ~40 MB here; streaming takes < 1 MB.
    assert peak < 10 * 2**20, f"peak {peak / 2**20:.1f} MB of Python memory while streaming"
