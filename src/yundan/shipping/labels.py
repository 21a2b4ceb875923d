"""Label (面单) rendering: one PDF page per parcel, in the zones of GB/T 41833-2022 《快递电子运单》.

Pure: no Django, no database. The caller masks personal data (GB/T 41833: the receiver's name hides
at least one character, the phone at least 6 digits, the address the unit/room); this module prints
exactly what it is given and keeps the PDF's metadata free of it.

Zones, top to bottom: [sandbox band], carrier header, waybill Code128, destination (sorting code,
route area, destination in large type), receiver (收), sender (寄), contents + QR, package Code128,
signature. Barcodes, the header and the band have fixed heights; the other zones share the rest of
the page, so one layout serves 76×130, 100×113 and 100×150.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from yundan.shipping.label_drawing import MODULE_WIDTH_MM, LabelLayoutError, page_side, register_font
from yundan.shipping.label_zones import ZONE_DRAWERS, draw_rules, plan_zones

__all__ = [
    "DEFAULT_SIZE", "LABEL_SIZES", "MODULE_WIDTH_MM", "LabelData", "LabelLayoutError", "LabelParty",
    "render_labels",
]

# width × height in mm; the PDF page is rounded to whole 203-dpi dots (see ``page_side``)
LABEL_SIZES: dict[str, tuple[int, int]] = {
    "76x130": (76, 130), "100x113": (100, 113), "100x150": (100, 150),
}
DEFAULT_SIZE = "76x130"

PDF_TITLE = "yundan 面单"
PDF_CREATOR = "yundan"


@dataclass(frozen=True)
class LabelParty:
    name: str  # already masked by the caller for the receiver (张*)
    phone: str  # already masked by the caller (1******5678)
    address: str  # one line, already masked (unit/room hidden)


@dataclass(frozen=True)
class LabelData:
    waybill_no: str  # "JDX910000000042"
    package_code: str  # "<waybill>-n-N-", also for 1/1
    parcel_index: int
    parcel_count: int
    carrier_name: str
    product_name: str  # 特惠送, 特快送…
    origin_center: str
    destination_center: str
    sorting_code: str  # 道口/笼车, large type
    route_area: str  # 路区, large type
    destination: str  # "上海 浦东新区", large type
    station: str
    receiver: LabelParty
    sender: LabelParty
    order_no: str
    items_summary: str  # truncated with … to fit
    remark: str  # may be empty; wrapped, then truncated to fit
    weight_kg: str  # "" when unknown, printed as "—"
    printed_at: datetime
    qr_payload: str
    simulated: bool  # sandbox label: printed with a "模拟面单 · 非真实运单" band


def render_labels(labels: Sequence[LabelData], size: str = DEFAULT_SIZE) -> bytes:
    """One PDF, one page per label, in the given order.

    Raises ``LabelLayoutError`` for an unknown size or a label whose barcodes or QR code do not
    fit, and ``ValueError`` for an empty sequence (a PDF without pages helps nobody)."""
    if size not in LABEL_SIZES:
        known = ", ".join(LABEL_SIZES)
        raise LabelLayoutError(f"unknown label size {size!r}; known sizes: {known}")
    if not labels:
        raise ValueError("no labels to render")
    register_font()
    width, height = (page_side(side) for side in LABEL_SIZES[size])
    with _without_ascii85():
        return _render(labels, width, height)


def _render(labels: Sequence[LabelData], width: float, height: float) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    # reportlab's defaults ("anonymous", "unspecified") are harmless, but say nothing at all.
    canvas.setTitle(PDF_TITLE)
    canvas.setCreator(PDF_CREATOR)
    canvas.setAuthor("")
    canvas.setSubject("")
    canvas.setKeywords("")
    plans = {simulated: plan_zones(width, height, simulated) for simulated in (False, True)}
    for label in labels:
        for name, box in plans[label.simulated]:
            ZONE_DRAWERS[name](canvas, label, box, height)
        draw_rules(canvas, plans[label.simulated])
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@contextmanager
def _without_ascii85() -> Iterator[None]:
    """Compressed streams without reportlab's default ASCII85 layer: A85 only matters for 7-bit
    mail transport, adds 25 % to every stream and is pure Python without rl_accel (a fifth of the
    render time). The switch is process-global in reportlab, so restore it afterwards; a render
    racing this in another thread still writes a valid PDF either way."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous
