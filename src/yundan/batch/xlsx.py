"""A streaming .xlsx writer for big all-text tables.

Why not XlsxWriter: at 100,000 rows × 12 columns its constant-memory mode took 8.3 s here, more
than the whole batch query may take (5 s). An all-text sheet needs only a small part of the
format: rows of inline-string cells, streamed straight into the zip entry, so memory stays flat
and nothing is kept per cell. Every cell is a text cell, so an order number never becomes a
number and nothing in a cell is ever evaluated as a formula.
"""

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{n}.xml"/>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
# One translate escapes XML, keeps a carriage return (a parser would turn a bare one into a line
# feed) and drops the characters XML 1.0 does not allow.
_XML_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;"} | dict.fromkeys(
    [*(c for c in range(32) if c not in (9, 10, 13)), 0xFFFE, 0xFFFF]
)
_ESCAPED = re.compile("[" + re.escape("".join(map(chr, _XML_TEXT))) + "]")
_CELL_START = [f'<c r="{chr(65 + i)}' for i in range(26)]
_CELL_MIDDLE = '" t="inlineStr"><is><t xml:space="preserve">'
_CELL_END = "</t></is></c>"


def _row_xml(number: int, cells: Sequence[str]) -> str:
    row = str(number)
    # One search per row: most rows (numbers, times, our own labels) have nothing to escape.
    escape = _ESCAPED.search("".join(cells)) is not None
    parts = [f'<row r="{row}">']
    for column, value in enumerate(cells):  # a plain loop: a generator here costs a quarter more
        if value:
            parts.append(f"{_CELL_START[column]}{row}{_CELL_MIDDLE}{value.translate(_XML_TEXT) if escape else value}"
                         f"{_CELL_END}")
    parts.append("</row>")
    return "".join(parts)


def write_xlsx(path: Path, sheets: Iterable[tuple[str, Iterable[Sequence[str]]]]) -> None:
    """Write ``(sheet name, rows)`` pairs; rows are consumed lazily, one sheet after another.

    At most 26 columns (A–Z), which is all the batch results need.
    """
    names = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for n, (name, rows) in enumerate(sheets, start=1):
            names.append(name)
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as sheet:
                sheet.write(_SHEET_HEAD.encode())
                batch = []
                for number, cells in enumerate(rows, start=1):
                    batch.append(_row_xml(number, cells))
                    if len(batch) == 1000:
                        sheet.write("".join(batch).encode())
                        batch.clear()
                sheet.write(("".join(batch) + _SHEET_TAIL).encode())
        count = range(1, len(names) + 1)
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in count)))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>' for n, name in zip(count, names))))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(rels="".join(
            _SHEET_REL.format(n=n) for n in count)))
