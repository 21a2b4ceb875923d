"""The label's zones: where each sits on the page, and how each is drawn (see labels.py).

Barcodes, the header and the band have fixed heights; the other zones share the rest of the page,
so one layout serves 76×130, 100×113 and 100×150.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from yundan.shipping.label_drawing import (
    ASCENT,
    DESCENT,
    DOT,
    MIN_BAR_HEIGHT_MM,
    MODULE_WIDTH_MM,
    Box,
    LabelLayoutError,
    baseline_centred,
    code128,
    code128_encodable,
    draw_code128,
    draw_lines,
    draw_qr,
    draw_text,
    ellipsize,
    fit_text,
    largest_size,
    qr_matrix,
    qr_module_dots,
    text_width,
)

if TYPE_CHECKING:
    from yundan.shipping.labels import LabelData

SANDBOX_MARKER = "模拟面单 · 非真实运单"
MARGIN = 2 * mm  # unprinted edge: label stock drifts ~1 mm sideways in the printer
PAD = 1.2 * mm
RULE_WIDTH = 2 * DOT
WAYBILL_BAR_HEIGHT = (MIN_BAR_HEIGHT_MM + 1) * mm  # the main scan gets the spare millimetre
PACKAGE_BAR_HEIGHT = (MIN_BAR_HEIGHT_MM + 0.5) * mm
TAB_WIDTH = 7 * mm  # the 收/寄 column

# Zone heights in mm. Fixed zones hold barcodes and one-line headers; the flexible ones are
# (minimum, preferred, share of any height beyond preferred), sized so 100×113 still fits.
_FIXED_MM = {"band": 4.5, "header": 6.5, "waybill": 16.5, "package": 15.0}
_FLEX_MM = {
    "destination": (18, 22, 0.25), "receiver": (14, 19, 0.30), "sender": (9, 11, 0.10),
    "contents": (17, 21, 0.20), "signature": (5, 6, 0.15),
}
_ZONE_ORDER = (
    "band", "header", "waybill", "destination", "receiver", "sender", "contents", "package",
    "signature",
)


def plan_zones(width: float, height: float, simulated: bool) -> list[tuple[str, Box]]:
    """Stack the zones from the top; flexible zones grow (or shrink towards their minimum) with
    the page."""
    names = [name for name in _ZONE_ORDER if simulated or name != "band"]
    spare = height - 2 * MARGIN - sum(_FIXED_MM.get(name, 0) for name in names) * mm
    minimum = sum(low for low, _, _ in _FLEX_MM.values()) * mm
    preferred = sum(pref for _, pref, _ in _FLEX_MM.values()) * mm
    if spare < minimum:
        raise LabelLayoutError(f"label height {height / mm:.0f} mm is too short for the zones")
    heights = {name: side * mm for name, side in _FIXED_MM.items()}
    for name, (low, pref, share) in _FLEX_MM.items():
        if spare <= preferred:
            heights[name] = (low + (pref - low) * (spare - minimum) / (preferred - minimum)) * mm
        else:
            heights[name] = pref * mm + share * (spare - preferred)
    zones, top = [], height - MARGIN
    for name in names:
        top -= heights[name]
        zones.append((name, Box(MARGIN, top, width - 2 * MARGIN, heights[name])))
    return zones


def draw_rules(canvas: Canvas, zones: list[tuple[str, Box]]) -> None:
    canvas.setLineWidth(RULE_WIDTH)
    canvas.setStrokeGray(0)
    first, last = zones[0][1], zones[-1][1]
    canvas.rect(first.left, last.bottom, first.width, first.top - last.bottom, stroke=1, fill=0)
    for _, box in zones[:-1]:
        canvas.line(box.left, box.bottom, box.right, box.bottom)


def _draw_band(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    """Sandbox labels only: a black band no sorter can miss."""
    canvas.setFillGray(0)
    canvas.rect(box.left, box.bottom, box.width, box.height, stroke=0, fill=1)
    size = largest_size(SANDBOX_MARKER, box.width - 2 * PAD, box.height * 0.8, 10)
    draw_text(canvas, box.left + box.width / 2, baseline_centred(box.bottom, box.height, size),
              SANDBOX_MARKER, size, bold=True, align="centre", white=True)


def _draw_header(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    size = min(9.0, box.height * 0.6)
    baseline = baseline_centred(box.bottom, box.height, size)
    printed = f"打印 {label.printed_at:%Y-%m-%d %H:%M}"
    printed_size = size * 0.7
    draw_text(canvas, box.right - PAD, baseline, printed, printed_size, align="right")
    product_width = text_width(label.product_name, size) + 2 * PAD
    room = box.width - 4 * PAD - text_width(printed, printed_size) - product_width
    carrier = ellipsize(label.carrier_name, size, room)
    draw_text(canvas, box.left + PAD, baseline, carrier, size, bold=True)
    product_left = box.left + 2 * PAD + text_width(carrier, size)
    canvas.setLineWidth(RULE_WIDTH)
    canvas.rect(product_left, box.bottom + 0.8 * mm, product_width, box.height - 1.6 * mm)
    draw_text(canvas, product_left + PAD, baseline, label.product_name, size, bold=True)


def _draw_barcode(canvas: Canvas, box: Box, value: str, what: str, bar_height: float,
                  text_size: float) -> None:
    """A Code128 centred in ``box`` with its number under it; LabelLayoutError if it won't fit."""
    if not code128_encodable(value):
        raise LabelLayoutError(f"{what} {value!r} cannot be a Code128 (printable ASCII only)")
    symbol = code128(value, bar_height)
    width = symbol.width
    if width > box.width:
        raise LabelLayoutError(
            f"{what} {value!r}: its Code128 is {width / mm:.1f} mm wide with quiet zones at "
            f"{MODULE_WIDTH_MM:.2f} mm a module, the label has {box.width / mm:.1f} mm"
        )
    bar_bottom = box.top - 1 * mm - bar_height
    draw_code128(canvas, symbol, box.left + (box.width - width) / 2, bar_bottom)
    baseline = bar_bottom - 0.8 * mm - text_size * ASCENT
    draw_text(canvas, box.left + box.width / 2, baseline, value, text_size, bold=True,
              align="centre")


def _draw_waybill(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    _draw_barcode(canvas, box, label.waybill_no, "waybill number", WAYBILL_BAR_HEIGHT, 8.5)


def _draw_package(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    _draw_barcode(canvas, box, label.package_code, "package code", PACKAGE_BAR_HEIGHT, 7.5)


def _draw_destination(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    """Large type for the sorters: sorting code and destination left, route area boxed right."""
    inner = box.inset(PAD, PAD * 0.6)
    small_height = max(5 * mm, inner.height * 0.26)  # two lines of centre/station names
    small = min(8.0, small_height / (ASCENT + DESCENT + 1.18))
    big_height = inner.height - small_height
    route_width = min(max(16 * mm, inner.width * 0.26), inner.width * 0.35)
    left_width = inner.width - route_width - PAD
    code_height, place_height = big_height * 0.58, big_height * 0.42
    code_size = largest_size(label.sorting_code, left_width, code_height, 34)
    baseline = baseline_centred(inner.top - code_height, code_height, code_size)
    draw_text(canvas, inner.left, baseline, label.sorting_code, code_size, bold=True)
    place_size = max(8.0, largest_size(label.destination, left_width, place_height, 22))
    baseline = baseline_centred(inner.top - big_height, place_height, place_size)
    place = ellipsize(label.destination, place_size, left_width)
    draw_text(canvas, inner.left, baseline, place, place_size, bold=True)
    route_box = Box(inner.right - route_width, inner.top - big_height, route_width, big_height)
    _draw_route_area(canvas, label.route_area, route_box)
    centres = f"{label.origin_center} → {label.destination_center}"
    baseline = inner.bottom + small * DESCENT + small * 1.18
    for line in (centres, f"站点：{label.station}"):
        draw_text(canvas, inner.left, baseline, ellipsize(line, small, inner.width), small)
        baseline -= small * 1.18


def _draw_route_area(canvas: Canvas, route_area: str, box: Box) -> None:
    canvas.setFillGray(0)
    canvas.rect(box.left, box.bottom, box.width, box.height, stroke=0, fill=1)
    caption = min(6.0, box.height * 0.16)
    centre = box.left + box.width / 2
    draw_text(canvas, centre, box.top - 0.8 * mm - caption * ASCENT, "路区", caption,
              align="centre", white=True)
    room = box.height - caption - 0.8 * mm
    size = largest_size(route_area, box.width - 2 * PAD, room * 0.9, 30)
    draw_text(canvas, centre, baseline_centred(box.bottom, room, size), route_area, size, bold=True,
              align="centre", white=True)


def _draw_party(canvas: Canvas, box: Box, tab: str, name: str, phone: str, address: str,
                max_size: float) -> None:
    """收/寄 block: the tab character, then name and phone, then the address wrapped to fit."""
    tab_size = min(TAB_WIDTH * 0.7, box.height * 0.5)
    draw_text(canvas, box.left + TAB_WIDTH / 2, baseline_centred(box.bottom, box.height, tab_size),
              tab, tab_size, bold=True, align="centre")
    canvas.setLineWidth(RULE_WIDTH)
    canvas.line(box.left + TAB_WIDTH, box.bottom, box.left + TAB_WIDTH, box.top)
    inner = Box(box.left + TAB_WIDTH + PAD, box.bottom, box.width - TAB_WIDTH - 2 * PAD, box.height)
    inner = inner.inset(0, PAD * 0.6)
    size = min(max_size, inner.height * 0.3)
    phone_width = text_width(phone, size)
    gap = size
    name = ellipsize(name, size, max(inner.width - phone_width - gap, size * 2))
    baseline = inner.top - size * ASCENT
    draw_text(canvas, inner.left, baseline, name, size, bold=True)
    phone_left = inner.left + text_width(name, size) + gap
    draw_text(canvas, phone_left, baseline, ellipsize(phone, size, inner.right - phone_left), size,
              bold=True)
    address_top = inner.top - size * 1.3
    fitted = fit_text(address, inner.width, address_top - inner.bottom, size * 0.85, 5.5)
    draw_lines(canvas, inner.left, address_top, fitted)


def _draw_receiver(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    party = label.receiver
    _draw_party(canvas, box, "收", party.name, party.phone, party.address, 13)


def _draw_sender(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    party = label.sender
    _draw_party(canvas, box, "寄", party.name, party.phone, party.address, 8.5)


def _draw_contents(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    """Parcel n/N, weight, order number, items and remark on the left; the QR code on the right."""
    qr_side = min(box.height, 26 * mm)
    matrix = qr_matrix(label.qr_payload)
    dots = qr_module_dots(len(matrix), qr_side)
    if not dots:
        raise LabelLayoutError(
            f"QR payload {label.qr_payload!r} needs {len(matrix)} modules a side: too many for a "
            f"{qr_side / mm:.1f} mm box at whole-dot modules"
        )
    qr_left = box.right - qr_side
    symbol_side = len(matrix) * dots * DOT
    draw_qr(canvas, matrix, qr_left + (qr_side - symbol_side) / 2,
            box.top - (box.height - symbol_side) / 2, dots * DOT, page_height)
    canvas.setLineWidth(RULE_WIDTH)
    canvas.line(qr_left, box.bottom, qr_left, box.top)

    inner = Box(box.left + PAD, box.bottom, qr_left - box.left - 2 * PAD, box.height)
    inner = inner.inset(0, PAD * 0.6)
    size = min(9.0, inner.height * 0.16)
    weight = f"{label.weight_kg} kg" if label.weight_kg else "—"
    top = inner.top
    parcels = f"件数 {label.parcel_index}/{label.parcel_count}　重量 {weight}"
    for line in (parcels, f"订单号 {label.order_no}"):
        line = ellipsize(line, size, inner.width)
        draw_text(canvas, inner.left, top - size * ASCENT, line, size, bold=True)
        top -= size * 1.25
    small = size * 0.85
    room_for_remark = small * (ASCENT + DESCENT) * 1.2  # at least one line of it
    items = fit_text(f"物品：{label.items_summary}", inner.width,
                     top - inner.bottom - room_for_remark, small, 5.5, max_lines=2)
    draw_lines(canvas, inner.left, top, items)
    top -= (len(items.lines) - 1) * items.leading + items.size * (ASCENT + DESCENT) + small * 0.25
    remark = fit_text(f"备注：{label.remark}", inner.width, top - inner.bottom, small, 5.5)
    draw_lines(canvas, inner.left, top, remark)


def _draw_signature(canvas: Canvas, label: LabelData, box: Box, page_height: float) -> None:
    size = min(7.0, box.height * 0.45)
    baseline = baseline_centred(box.bottom, box.height, size)
    draw_text(canvas, box.left + PAD, baseline, "签收人：", size)
    draw_text(canvas, box.left + box.width * 0.36, baseline, "签收时间：", size)
    if label.simulated:
        draw_text(canvas, box.right - PAD, baseline, SANDBOX_MARKER, size, bold=True, align="right")


ZONE_DRAWERS = {
    "band": _draw_band, "header": _draw_header, "waybill": _draw_waybill,
    "destination": _draw_destination, "receiver": _draw_receiver, "sender": _draw_sender,
    "contents": _draw_contents, "package": _draw_package, "signature": _draw_signature,
}
