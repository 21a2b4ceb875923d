"""Drawing primitives for labels (面单): the CJK font, text that fits its box, Code128 and QR.

Why whole printer dots: label printers print at 203 dpi, so a bar 2.4 dots wide comes out 2 or 3
dots wide depending on where it lands, and narrow modules then stop decoding (0.15 and 0.19 mm
fail, 0.25 mm = 2 dots decodes in every decoder we tried — see the reference notes). Barcode and QR
modules are therefore whole dots, and symbols start on the dot grid.

Everything here works in PDF points (1/72 in); convert from mm with ``reportlab.lib.units.mm``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import as_file, files

import segno
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

PRINTER_DPI = 203
DOT_MM = 25.4 / PRINTER_DPI
DOT = DOT_MM * mm  # one printer dot in points
MODULE_WIDTH_MM = 2 * DOT_MM  # 0.2502 mm: the narrowest bar every decoder read at 203 dpi
QUIET_ZONE_MODULES = 10
MIN_BAR_HEIGHT_MM = 10.0  # with the 10-module quiet zone: carrier practice, GB/T clause unseen
QR_BORDER_MODULES = 4  # the quiet zone ISO/IEC 18004 asks for
QR_MIN_MODULE_DOTS = 3  # 0.375 mm: our floor for QR modules, kept clear of the 2-dot limit
QR_MAX_MODULE_DOTS = 5  # bigger only takes room from the text beside it

FONT_NAME = "WenQuanYiMicroHei"
# Glyph extent of WenQuanYi Micro Hei per 1 pt of size (hhea ascent 765, descent -240 per 1000).
ASCENT = 0.765
DESCENT = 0.240
BOLD_STROKE = 0.045  # stroke width per pt of size for the fake bold (the font has one weight)
ELLIPSIS = "…"

# Runs of ASCII letters/digits wrap as one unit so "1388号" never splits as "13|88号".
_WRAP_TOKENS = re.compile(r"[A-Za-z0-9]+|.", re.DOTALL)
# Chinese typesetting (禁则) never starts a line with closing punctuation; the character before it
# moves down with it instead.
_NO_LINE_START = frozenset("，。、；：！？）》」』】〉…,.;:!?)]}%")


class LabelLayoutError(ValueError):
    """A label cannot be laid out: unknown size, a barcode wider than the label, a QR payload too
    long for its box. The message names the offending value and the room there was."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the page in points, from its bottom-left corner (PDF coordinates)."""

    left: float
    bottom: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def top(self) -> float:
        return self.bottom + self.height

    def inset(self, dx: float, dy: float) -> Box:
        return Box(self.left + dx, self.bottom + dy, self.width - 2 * dx, self.height - 2 * dy)


@cache
def register_font() -> str:
    """Register the packaged CJK font with reportlab once per process; returns its name.

    Why this font: reportlab embeds only TrueType outlines (Noto CJK's CFF fails, STSong-Light is
    not embedded and prints as boxes). reportlab subsets it per PDF and writes a ToUnicode map.
    """
    with as_file(files("yundan.shipping") / "fonts" / "wqy-microhei.ttc") as path:
        # TTFont reads the whole file into memory, so the path may vanish after this block.
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


@cache
def _char_units(char: str) -> float:
    """Advance width of one character in 1/1000 of the font size (cached: wrapping asks a lot)."""
    return pdfmetrics.stringWidth(char, FONT_NAME, 1000)


def text_width(text: str, size: float) -> float:
    return sum(map(_char_units, text)) * size / 1000


def page_side(side_mm: float) -> float:
    """A label side in points, rounded to whole dots and then a hair (0.01-0.02 pt) under.

    Why: a rasteriser (printer driver, pdfium) maps the page onto ceil(side × dpi) whole dots. For
    76 mm (607.4 dots) that stretches everything by 0.1 %, which walks 2-dot bar edges across
    half a dot over the barcode's width; where an edge sits on a dot's centre the bar gains a
    dot, and the package code stopped decoding on 100 mm labels. A page of whole dots maps 1:1;
    "a hair under" keeps the 2-decimal rounding of the PDF's MediaBox from adding a dot."""
    dots = round(side_mm / DOT_MM)
    return math.floor(dots * DOT * 100 - 1) / 100


def snap_to_dot(value: float) -> float:
    """A coordinate (points, from the page's left or top edge) moved onto the 203-dpi dot grid."""
    return round(value / DOT) * DOT


def ellipsize(text: str, size: float, width: float, *, force: bool = False) -> str:
    """``text`` if it fits ``width``, else its longest prefix that fits with "…" appended.

    ``force`` appends the ellipsis even if the text fits (text was cut somewhere else)."""
    if not force and text_width(text, size) <= width:
        return text
    budget = width * 1000 / size - _char_units(ELLIPSIS)
    used = 0.0
    for index, char in enumerate(text):
        used += _char_units(char)
        if used > budget:
            return text[:index].rstrip() + ELLIPSIS
    return text.rstrip() + ELLIPSIS


def wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy line breaking for Chinese text: break between any two characters, but keep ASCII
    words and numbers whole unless one alone is wider than the line."""
    limit = width * 1000 / size
    lines: list[str] = []
    line, used = "", 0.0
    for token in _WRAP_TOKENS.findall(" ".join(text.split())):
        token_units = sum(map(_char_units, token))
        if line and used + token_units > limit:
            if token == " ":
                lines.append(line.rstrip())
                line, used = "", 0.0
                continue
            movable = len(line) > 1 and line[-1] != " "
            carry = line[-1] if token in _NO_LINE_START and movable else ""
            lines.append(line[: len(line) - len(carry)].rstrip())
            line, used = carry, _char_units(carry) if carry else 0.0
        if token_units > limit:  # a word longer than a line: fall back to characters
            for char in token:
                char_units = _char_units(char)
                if line and used + char_units > limit:
                    lines.append(line)
                    line, used = "", 0.0
                line += char
                used += char_units
            continue
        line += token
        used += token_units
    if line.strip():
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True)
class FittedText:
    size: float
    leading: float
    lines: list[str]


def fit_text(
    text: str, width: float, height: float, max_size: float, min_size: float,
    max_lines: int | None = None, leading_ratio: float = 1.18,
) -> FittedText:
    """Wrap ``text`` into a ``width`` × ``height`` box at the largest size from ``max_size`` down to
    ``min_size`` (0.5 pt steps) that shows all of it; at ``min_size`` the last line that fits ends
    in "…". Nothing is ever drawn outside the box."""
    size = max_size
    while True:
        leading = size * leading_ratio
        # n lines need (n - 1) leadings plus one glyph height.
        room = max(1, int((height - size * (ASCENT + DESCENT)) // leading) + 1)
        if max_lines is not None:
            room = min(room, max_lines)
        lines = wrap(text, size, width)
        if len(lines) <= room:
            return FittedText(size, leading, lines)
        if size <= min_size:
            kept = lines[:room]
            kept[-1] = ellipsize(kept[-1], size, width, force=True)
            return FittedText(size, leading, kept)
        size = max(min_size, size - 0.5)


def largest_size(text: str, width: float, height: float, max_size: float) -> float:
    """The largest font size ≤ ``max_size`` at which one line of ``text`` fits the box."""
    size = min(max_size, height / (ASCENT + DESCENT))
    units = sum(map(_char_units, text))
    if units:
        size = min(size, width * 1000 / units)
    return size


def baseline_centred(bottom: float, height: float, size: float) -> float:
    """Baseline that centres one line of ``size`` vertically in a box."""
    return bottom + (height - size * (ASCENT + DESCENT)) / 2 + size * DESCENT


def draw_text(
    canvas: Canvas, x: float, baseline: float, text: str, size: float,
    *, bold: bool = False, align: str = "left", white: bool = False,
) -> None:
    """One line of text, black (or ``white`` on a black box); ``align`` is "left", "centre" or
    "right" about ``x``."""
    if white:
        canvas.setFillGray(1)
        canvas.setStrokeGray(1)  # the fake bold strokes the outline too
    if align != "left":
        width = text_width(text, size)
        x -= width / 2 if align == "centre" else width
    text_object = canvas.beginText(x, baseline)
    text_object.setFont(FONT_NAME, size)
    if bold:
        # Fill + stroke thickens the strokes; the text stays one text run (extractable once).
        text_object.setTextRenderMode(2)
        canvas.setLineWidth(size * BOLD_STROKE)
    text_object.textOut(text)
    if bold:
        text_object.setTextRenderMode(0)  # Tr is graphics state: it would outlive this text object
    canvas.drawText(text_object)
    if white:
        canvas.setFillGray(0)
        canvas.setStrokeGray(0)


def draw_lines(
    canvas: Canvas, x: float, top: float, fitted: FittedText, *, bold: bool = False,
) -> None:
    """Draw wrapped lines hanging from ``top`` (the first line's glyph top touches it)."""
    baseline = top - fitted.size * ASCENT
    for line in fitted.lines:
        draw_text(canvas, x, baseline, line, fitted.size, bold=bold)
        baseline -= fitted.leading


@dataclass(frozen=True)
class Code128Symbol:
    value: str
    pattern: str  # reportlab's bar/space pattern: "A".."D" a bar, "a".."d" a space of 1-4 modules
    width: float  # points, both quiet zones included
    bar_height: float


def code128(value: str, bar_height: float) -> Code128Symbol:
    """Encode ``value`` (printable ASCII) at ``MODULE_WIDTH_MM`` with 10-module quiet zones.

    reportlab does the encoding (code sets, checksum); we only keep its bar pattern and width."""
    module = MODULE_WIDTH_MM * mm
    symbol = Code128(value, barWidth=module, barHeight=bar_height, humanReadable=0,
                     lquiet=QUIET_ZONE_MODULES * module, rquiet=QUIET_ZONE_MODULES * module)
    width = symbol.width  # runs validate → encode → decompose
    return Code128Symbol(value, symbol.decomposed, width, bar_height)


def code128_encodable(value: str) -> bool:
    return value.isascii() and value.isprintable() and bool(value)


def draw_code128(canvas: Canvas, symbol: Code128Symbol, left: float, bottom: float) -> None:
    """Draw ``symbol`` with its left quiet-zone edge at ``left``, snapped to the dot grid so every
    bar edge falls on a dot boundary."""
    module = MODULE_WIDTH_MM * mm
    x = snap_to_dot(left) + QUIET_ZONE_MODULES * module
    bars = []
    for element in symbol.pattern:
        width = (ord(element.lower()) - ord("a") + 1) * module
        if element.isupper():
            bars.append((x, bottom, width, symbol.bar_height))
        x += width
    fill_rects(canvas, bars)


QR_MASK = 0


@lru_cache(maxsize=256)
def qr_matrix(payload: str) -> tuple[bytes, ...]:
    """The QR symbol's modules (no border), error correction M: survives a scuffed label.

    Cached: the parcels of one waybill usually share a payload. The mask is fixed: choosing the
    best of eight by penalty score (~2.7 ms) was the costliest step of a label, and for short
    waybill payloads any mask decodes (the tests decode every label's QR)."""
    return tuple(bytes(row) for row in segno.make_qr(payload, error="m", mask=QR_MASK).matrix)


def qr_module_dots(modules: int, side: float) -> int:
    """Largest whole-dot module size (capped) at which ``modules`` plus the border fit ``side``
    points; 0 if not even ``QR_MIN_MODULE_DOTS`` fits."""
    dots = int(side // ((modules + 2 * QR_BORDER_MODULES) * DOT))
    dots = min(dots, QR_MAX_MODULE_DOTS)
    return dots if dots >= QR_MIN_MODULE_DOTS else 0


def draw_qr(canvas: Canvas, matrix: tuple[bytes, ...], left: float, top: float, module: float,
            page_height: float) -> None:
    """Draw the QR modules (no border) hanging from ``left``/``top`` as ONE filled path with a
    rectangle per horizontal run of dark modules. reportlab's QR widget draws a shape per module
    and costs ~16 ms a label."""
    left = snap_to_dot(left)
    top = page_height - snap_to_dot(page_height - top)  # the raster grid runs from the top edge
    runs = []
    for row_index, row in enumerate(matrix):
        bottom = top - (row_index + 1) * module
        start = None
        for column, dark in enumerate((*row, 0)):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((left + start * module, bottom, (column - start) * module, module))
                start = None
    fill_rects(canvas, runs)


def fill_rects(canvas: Canvas, rects: list[tuple[float, float, float, float]]) -> None:
    """Fill rectangles (left, bottom, width, height) in black as ONE path, written straight into
    the page stream.

    Why not ``canvas.rect``: reportlab formats each number with ``fp_str``, pure Python unless the
    optional rl_accel package is installed, and a label's QR and two barcodes are ~250 rectangles;
    that formatting was a third of the render time. 0.01 pt (0.0035 mm) is far below a dot."""
    if not rects:
        return
    canvas.setFillGray(0)
    path = " re\n".join(f"{x:.2f} {y:.2f} {w:.2f} {h:.2f}" for x, y, w, h in rects)
    canvas.addLiteral(path + " re f")
