"""Label (面单) PDFs, checked the way a sorting centre meets them: rasterised at the label printer's
203 dpi, thresholded to black and white, scanned with a real decoder, and read for text."""

import dataclasses
import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from factories import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from yundan.shipping.label_drawing import ELLIPSIS, fit_text, register_font, text_width, wrap
from yundan.shipping.labels import (
    DEFAULT_SIZE,
    LABEL_SIZES,
    MODULE_WIDTH_MM,
    LabelData,
    LabelLayoutError,
    LabelParty,
    render_labels,
)

PRINTER_SCALE = 203 / 72  # pdfium renders 72 points per inch at scale 1
MM = 72 / 25.4  # points per mm
SANDBOX_MARKER = "模拟面单 · 非真实运单"

LONG_ADDRESS = "内蒙古自治区锡林郭勒盟东乌珠穆沁旗乌里雅斯太镇额吉淖尔路" * 3 + "**号楼**单元****室"
LONG_ITEMS = "；".join(["小米 Redmi K80 至尊版 16GB+1TB 雪岩白 ×1", "Type-C 快充数据线 2m ×2"] * 8)
LONG_REMARK = "请工作日白天派送，放门卫处或快递柜，到了提前打电话，不要放门口，谢谢！" * 6


def make_label(parcel_index: int = 1, parcel_count: int = 1, waybill_no: str = "JDX910000000042",
               **changes) -> LabelData:
    label = LabelData(
        waybill_no=waybill_no, package_code=f"{waybill_no}-{parcel_index}-{parcel_count}-",
        parcel_index=parcel_index, parcel_count=parcel_count,
        carrier_name="京东物流（模拟）", product_name="特惠送", origin_center="北京亚一分拣中心",
        destination_center="上海浦东转运中心", sorting_code="021-A3-05", route_area="A12",
        destination="上海 浦东新区", station="上海浦东营业部",
        receiver=LabelParty("张*", "1******5678", "上海市浦东新区张江镇张江路1388号**号楼****室"),
        sender=LabelParty("测试仓", "010-****0000", "北京市大兴区亦庄经济开发区科创十一街18号"),
        order_no="312345678901", items_summary="小米 Redmi K80 ×1；数据线 ×2", remark="",
        weight_kg="1.20", printed_at=NOW, qr_payload=waybill_no, simulated=True,
    )
    return dataclasses.replace(label, **changes)


def order_labels(parcel_count: int, waybill_no: str, **changes) -> list[LabelData]:
    return [make_label(n, parcel_count, waybill_no, **changes) for n in range(1, parcel_count + 1)]


# A one-parcel order, then a three-parcel order with a tracking-URL QR and a different receiver.
LABELS = order_labels(1, "JDX910000000042") + order_labels(
    3, "JDX910000000057", qr_payload="https://yundan.example/t/JDX910000000057", simulated=False,
    receiver=LabelParty("欧阳**", "1******0021", "广东省深圳市南山区科技园南路**号****室"),
    order_no="312345678957", weight_kg="",
)
LONG_LABEL = make_label(
    1, 2, receiver=LabelParty("司马**", "1******9999", LONG_ADDRESS),
    sender=LabelParty("小米官方旗舰店北京亦庄仓", "010-****0000", LONG_ADDRESS),
    items_summary=LONG_ITEMS, remark=LONG_REMARK,
)


@pytest.fixture(scope="module", params=list(LABEL_SIZES))
def rendered(request) -> tuple[str, pdfium.PdfDocument]:
    return request.param, pdfium.PdfDocument(render_labels(LABELS, request.param))


def printed(page: pdfium.PdfPage):
    """The page as a 203-dpi thermal printer would print it: every dot black or white."""
    gray = page.render(scale=PRINTER_SCALE).to_pil().convert("L")
    return gray.point(lambda value: 255 if value > 128 else 0, mode="1")


def scanned(page: pdfium.PdfPage) -> tuple[set[str], set[str]]:
    results = zxingcpp.read_barcodes(printed(page))
    code128 = {r.text for r in results if r.format == zxingcpp.BarcodeFormat.Code128}
    qr = {r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode}
    return code128, qr


def page_text(page: pdfium.PdfPage) -> str:
    return page.get_textpage().get_text_range()


def test_every_page_scans_as_its_waybill_and_package_code(rendered):
    _, document = rendered
    assert len(document) == len(LABELS)
    for page, label in zip(document, LABELS, strict=True):
        code128, qr = scanned(page)
        assert code128 == {label.waybill_no, label.package_code}
        assert qr == {label.qr_payload}


def test_pages_come_in_input_order_with_masked_receiver_and_order_number(rendered):
    _, document = rendered
    for page, label in zip(document, LABELS, strict=True):
        text = page_text(page)
        assert label.package_code in text  # so page n is parcel n
        assert label.receiver.name in text and label.receiver.phone in text
        assert f"订单号 {label.order_no}" in text
        assert f"件数 {label.parcel_index}/{label.parcel_count}" in text


def test_chinese_text_extracts_as_written(rendered):
    """The embedded font subset carries a ToUnicode map: search and copy-paste see real CJK."""
    _, document = rendered
    text = page_text(document[0])
    for expected in ("京东物流（模拟）", "特惠送", "上海 浦东新区", "北京亚一分拣中心 → 上海浦东转运中心",
                     "小米 Redmi K80 ×1；数据线 ×2"):
        assert expected in text
    # The address may wrap onto several lines.
    assert "上海市浦东新区张江镇张江路1388号**号楼****室" in re.sub(r"\s+", "", text)


def test_unknown_weight_prints_a_dash(rendered):
    _, document = rendered
    assert "重量 1.20 kg" in page_text(document[0])
    assert "重量 —" in page_text(document[1])


def test_only_sandbox_labels_carry_the_simulated_marker(rendered):
    _, document = rendered
    for page, label in zip(document, LABELS, strict=True):
        assert (SANDBOX_MARKER in page_text(page)) is label.simulated


def char_boxes(page: pdfium.PdfPage):
    textpage = page.get_textpage()
    for index in range(textpage.count_chars()):
        yield textpage.get_text_range(index, 1), textpage.get_charbox(index)


@pytest.mark.parametrize("size", list(LABEL_SIZES))
def test_nothing_is_printed_within_1mm_of_the_edge_even_for_very_long_text(size):
    document = pdfium.PdfDocument(render_labels([*LABELS, LONG_LABEL], size))
    for page in document:
        width, height = page.get_size()
        for char, (left, bottom, right, top) in char_boxes(page):
            assert 1 * MM <= left <= right <= width - 1 * MM, (size, char)
            assert 1 * MM <= bottom <= top <= height - 1 * MM, (size, char)
    long_page = document[len(LABELS)]
    text = re.sub(r"\s+", "", page_text(long_page))
    assert LONG_ADDRESS in text, "the receiver's address must wrap to fit, not be cut"
    assert ELLIPSIS in text  # items and remark are cut with "…" where they don't fit
    codes = {LONG_LABEL.waybill_no, LONG_LABEL.package_code}
    assert scanned(long_page) == (codes, {LONG_LABEL.qr_payload})


def test_metadata_names_yundan_and_carries_no_personal_data(rendered):
    _, document = rendered
    metadata = document.get_metadata_dict()
    assert metadata["Title"] == "yundan 面单"
    assert metadata["Creator"] == "yundan"
    assert metadata["Author"] == metadata["Subject"] == metadata["Keywords"] == ""
    personal = {field for label in LABELS for field in (
        label.receiver.name, label.receiver.phone, label.receiver.address, label.order_no,
        label.waybill_no, label.sender.name,
    )}
    assert not [value for value in metadata.values() for field in personal if field in value]
    assert list(document.get_toc()) == []  # no bookmarks naming orders either


def test_module_width_is_two_dots_of_a_203_dpi_printer():
    assert pytest.approx(2 * 25.4 / 203) == MODULE_WIDTH_MM


def test_bars_land_on_whole_printer_dots_and_stand_10mm_tall(rendered):
    """Every bar and space prints as 2, 4, 6 or 8 dots (1-4 modules): none straddles a dot.

    Regression: pdfium (like a printer driver) maps the page onto whole dots, and a page of
    76 mm = 607.4 dots was stretched by 0.1 %, so one bar in the middle of the package code gained
    a dot and the code stopped decoding on 100 mm labels."""
    _, document = rendered
    image = printed(document[1])
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    assert len(results) == 2
    for result in results:
        position = result.position
        y = (position.top_left.y + position.bottom_left.y) // 2
        row = "".join("#" if image.getpixel((x, y)) == 0 else "." for x in range(image.width))
        first_bar = row.index("#", position.top_left.x - 2)
        last_bar = row.rindex("#", 0, position.top_right.x + 3)
        runs = {len(run) for run in re.findall(r"#+|\.+", row[first_bar: last_bar + 1])}
        assert runs <= {2, 4, 6, 8}, (result.text, sorted(runs))
        column = "".join("#" if image.getpixel((first_bar, y)) == 0 else "."
                         for y in range(image.height))
        bar_height_dots = max(len(run) for run in re.findall(r"#+", column))
        assert bar_height_dots >= 10 * 203 / 25.4, result.text


def test_20_character_package_code_fits_the_76mm_label():
    label = make_label(10, 12)
    assert len(label.package_code) == 22
    document = pdfium.PdfDocument(render_labels([label], DEFAULT_SIZE))
    assert scanned(document[0])[0] == {label.waybill_no, label.package_code}


def test_package_code_too_long_for_the_label_raises_naming_it():
    code = "JDX" + "9" * 12 + "ABCDEFGHIJKLMNOPQRSTUVWXY"
    assert len(code) == 40
    with pytest.raises(LabelLayoutError, match=code):
        render_labels([make_label(package_code=code)], "76x130")


def test_qr_payload_too_long_for_its_box_raises():
    with pytest.raises(LabelLayoutError, match="QR payload"):
        render_labels([make_label(qr_payload="https://yundan.example/t/" + "A" * 400)])


def test_non_ascii_waybill_cannot_become_a_code128():
    with pytest.raises(LabelLayoutError, match="Code128"):
        render_labels([make_label(waybill_no="JDX９１００")])


def test_unknown_size_is_a_layout_error():
    with pytest.raises(LabelLayoutError, match="A6"):
        render_labels([make_label()], "A6")


def test_no_labels_is_an_error_not_an_empty_pdf():
    with pytest.raises(ValueError):
        render_labels([])


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="张江路1388号Redmi K80，。！×；（）　 \u4e00\u9fa5", max_size=120),
       width=st.floats(min_value=20, max_value=300))
def test_wrapped_lines_fit_their_width_and_keep_every_character(text, width):
    register_font()
    lines = wrap(text, 8, width)
    assert all(text_width(line, 8) <= width or len(line) == 1 for line in lines)
    assert "".join(lines).replace(" ", "") == "".join(text.split())


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="上海市浦东新区张江路1388号**室，。 ", min_size=1, max_size=400),
       height=st.floats(min_value=8, max_value=80))
def test_fitted_text_never_leaves_its_box(text, height):
    register_font()
    fitted = fit_text(text, 120, height, 9, 5.5)
    assert all(text_width(line, fitted.size) <= 120 for line in fitted.lines)
    used = (len(fitted.lines) - 1) * fitted.leading + fitted.size
    assert used <= max(height, fitted.size * 1.01) * 1.01 + 0.1
