"""Reading merchants' tables: identifiers that never lose digits, encodings, CSV and text files."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yundan.spreadsheets import (
    LostDigitsError,
    cell_text,
    decode_text_file,
    identifier_text,
    read_sheets,
)
from yundan.text import to_half_width

FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=30)
no_surrogates = st.characters(blacklist_categories=("Cs",))

# --- identifier_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (312345678901.0, "312345678901"),
        (13812345678.0, "13812345678"),
        (312345678901, "312345678901"),
        (999999999999999.0, "999999999999999"),  # 15 digits: Excel still keeps them all
        (0.0, "0"),
    ],
)
def test_an_integral_number_cell_comes_back_as_its_digits(value, text):
    assert identifier_text(value) == text


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_any_number_below_ten_to_the_fifteen_stored_as_a_float_comes_back_as_its_digits(n):
    assert identifier_text(float(n)) == str(n)


@given(st.integers(min_value=10**15, max_value=10**30))
def test_any_number_of_sixteen_or_more_digits_stored_as_a_number_is_lost_digits(n):
    with pytest.raises(LostDigitsError):
        identifier_text(float(n))
    with pytest.raises(LostDigitsError):
        identifier_text(n)


@pytest.mark.parametrize("value", [12345678901234567890.0, 1.2345678901234568e19, 1234567890123456.0])
def test_a_sixteen_plus_digit_number_raises_lost_digits_with_advice(value):
    with pytest.raises(LostDigitsError, match="文本"):
        identifier_text(value)


def test_a_number_with_a_fraction_is_not_a_complete_identifier():
    with pytest.raises(LostDigitsError):
        identifier_text(3123456789.5)


def test_lost_digits_is_a_value_error_so_importers_reject_the_row():
    assert issubclass(LostDigitsError, ValueError)


def test_a_boolean_cell_is_not_a_number():
    with pytest.raises(ValueError):
        identifier_text(True)


@pytest.mark.parametrize("text", ["3.12346E+11", "3.12346e+11", "1E+15", "-3.1E-2", "3.12346Ｅ＋11", " 3.12346E+11 "])
def test_scientific_notation_text_raises_lost_digits(text):
    with pytest.raises(LostDigitsError, match="科学计数法"):
        identifier_text(text)


@given(
    mantissa=st.from_regex(r"\A[1-9](\.[0-9]{1,6})?\Z"),
    exponent=st.integers(min_value=0, max_value=30),
    marker=st.sampled_from(["E+", "e+", "E", "E-"]),
)
def test_any_scientific_notation_text_raises_lost_digits(mantissa, exponent, marker):
    with pytest.raises(LostDigitsError):
        identifier_text(f"{mantissa}{marker}{exponent}")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("'312345678901", "312345678901"),
        ("  312345678901  ", "312345678901"),
        ("3123 4567 8901", "312345678901"),
        ("３１２３４５６７８９０１", "312345678901"),
        ("'３１２３４５６７８９０１", "312345678901"),
        ("\u3000312345678901\u3000", "312345678901"),
        ("JDVA00012345678", "JDVA00012345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_an_apostrophe_spaces_and_full_width_digits_are_removed_or_converted(text, expected):
    assert identifier_text(text) == expected


@given(digit_strings, st.booleans(), st.booleans(), st.sampled_from(["", " ", "  ", "\u3000", "\t"]))
def test_any_digit_text_comes_back_with_every_digit_whatever_its_length(digits, apostrophe, full_width, pad):
    text = ("'" if apostrophe else "") + (digits.translate(FULL_WIDTH_DIGITS) if full_width else digits)
    assert identifier_text(pad + text + pad) == digits


@given(digit_strings)
def test_identifier_text_is_idempotent_on_its_own_output(digits):
    once = identifier_text(digits)
    assert identifier_text(once) == once


# --- cell_text and to_half_width -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [(None, ""), (2.0, "2"), (99.5, "99.5"), ("  订单号 ", "订单号"), ("ＡＢＣ１２３", "ABC123"), (7, "7")],
)
def test_cell_text_trims_and_drops_the_point_zero_of_integral_floats(value, text):
    assert cell_text(value) == text


def test_to_half_width_converts_full_width_ascii_and_the_ideographic_space():
    assert to_half_width("（０１０）６５５２\u3000９９８８！") == "(010)6552 9988!"
    assert to_half_width("订单号") == "订单号"


# --- decode_text_file ---------------------------------------------------------------------------------

CSV_TEXT = "订单号,客户姓名,客户地址\r\n312345678901,张三,浙江省杭州市西湖区文三路90号\r\n"


def test_decode_text_file_strips_the_utf8_bom():
    assert decode_text_file(b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8")) == CSV_TEXT


def test_decode_text_file_reads_utf8_without_a_bom():
    assert decode_text_file(CSV_TEXT.encode("utf-8")) == CSV_TEXT


def test_decode_text_file_reads_gbk_from_chinese_excel():
    assert decode_text_file(CSV_TEXT.encode("gbk")) == CSV_TEXT
    assert decode_text_file(CSV_TEXT.encode("gb18030")) == CSV_TEXT


@given(st.text(alphabet=no_surrogates))
def test_any_utf8_text_with_a_bom_decodes_back(text):
    assert decode_text_file(b"\xef\xbb\xbf" + text.encode("utf-8")) == text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufeff")))
def test_any_utf8_text_without_a_bom_decodes_back(text):
    assert decode_text_file(text.encode("utf-8")) == text


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5) | st.sampled_from("0123456789,\r\n ")))
def test_any_gbk_file_starting_with_a_chinese_header_decodes_back(rest):
    # A whole GBK file almost never is valid UTF-8; a Chinese header guarantees it.
    text = "订单号," + rest
    assert decode_text_file(text.encode("gb18030")) == text


# --- read_sheets ------------------------------------------------------------------------------------------


def test_read_sheets_splits_a_tab_separated_csv(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(
        "订单号\t客户姓名\t订单金额\r\n312345678901\t张三\t1,299.00\r\n312345678902\t李四\t59.90\r\n"
        .encode("utf-8-sig")
    )

    sheets = list(read_sheets(path))

    assert sheets == [("orders", [
        ["订单号", "客户姓名", "订单金额"],
        ["312345678901", "张三", "1,299.00"],
        ["312345678902", "李四", "59.90"],
    ])]


def test_read_sheets_splits_a_comma_separated_gbk_csv_with_quoted_fields(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(
        '订单号,客户地址,订单金额\r\n312345678901,"浙江省杭州市,西湖区","1,299.00"\r\n'.encode("gb18030")
    )

    [(_, rows)] = read_sheets(path)

    assert rows == [["订单号", "客户地址", "订单金额"], ["312345678901", "浙江省杭州市,西湖区", "1,299.00"]]


def test_read_sheets_reads_a_text_file_with_one_number_per_line(tmp_path):
    path = tmp_path / "waybills.txt"
    path.write_text("312345678901\r\n'312345678902\n\nJDVA00012345678\n", encoding="utf-8")

    [(name, rows)] = read_sheets(path)

    assert name == "waybills"
    assert rows == [["312345678901"], ["'312345678902"], [""], ["JDVA00012345678"]]
    assert [identifier_text(row[0]) for row in rows if row[0]] == [
        "312345678901", "312345678902", "JDVA00012345678"]


def test_read_sheets_keeps_commas_in_a_text_file_line(tmp_path):
    path = tmp_path / "notes.TXT"
    path.write_bytes("订单号,备注\n".encode("gbk"))

    [(_, rows)] = read_sheets(path)

    assert rows == [["订单号,备注"]]


def test_read_sheets_yields_every_sheet_of_a_workbook(tmp_path):
    import xlsxwriter

    path = tmp_path / "book.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("订单").write_row(0, 0, ["订单号", 312345678901])
    workbook.add_worksheet("备注").write_string(1, 1, "x")
    workbook.close()

    sheets = list(read_sheets(path))

    assert sheets == [("订单", [["订单号", 312345678901.0]]), ("备注", [["", ""], ["", "x"]])]


@pytest.mark.parametrize("name", ["orders.pdf", "orders.docx", "orders"])
def test_read_sheets_refuses_an_unsupported_file_type_with_a_clear_message(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"whatever")

    with pytest.raises(ValueError, match="不支持的文件类型.*\\.xlsx"):
        next(read_sheets(path))


def test_read_sheets_reports_an_unreadable_workbook_as_a_value_error(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"not really an xls")

    with pytest.raises(ValueError, match="broken.xls"):
        next(read_sheets(path))
