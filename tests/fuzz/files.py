"""Hypothesis strategies for the spreadsheets merchants upload, and for files that only look like one.

A generated workbook is a list of sheets, each a list of rows of tagged cells (``("text", "…")``,
``("number", 1.5)``, ``("formula", "=A1")``, …), written for real by XlsxWriter (.xlsx), xlwt (.xls),
a minimal ODS writer (.ods) or as CSV in some encoding. Headers are drawn from the column names the
readers look for, so the rows under them go deep into the parsers; the cells are hostile text
(control characters, RTL marks, emoji, full-width digits, huge strings), numbers of every size,
dates, booleans and formulas.

``malformed`` turns a good file into a broken one: truncated, bytes flipped, a zip member missing or
replaced by garbage, a highly compressed bomb (bounded), the wrong suffix, an empty file.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter
import xlwt
from hypothesis import strategies as st

from yundan.batch.reading import NUMBER_ALIASES
from yundan.orders.importing import COLUMN_ALIASES
from yundan.orders.states import JD_STATE_CODES, JD_STATE_WORDS
from yundan.shipping.order_lists import LIST_COLUMNS

HEADERS = sorted({alias for table in (NUMBER_ALIASES, COLUMN_ALIASES, LIST_COLUMNS)
                  for aliases in table.values() for alias in aliases})
XLSX_MAX_TEXT = 32767  # Excel's (and XlsxWriter's) longest cell text
XLS_MAX_TEXT = 32767

# Characters that break naive code: C0 controls and DEL, bidi overrides, zero-width, combining marks,
# full-width digits and letters, the ideographic space, CJK (incl. ones GBK lacks), emoji, quotes.
# No common name characters: the log guard (tests/log_guard.py) takes the run's receivers' names for
# personal data, and a refused input quoted in a log line must not spell one by chance.
HOSTILE = (
    [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028", "\u2029"]
    + ["\u202e", "\u202d", "\u200f", "\u061c", "\u200b", "\u200d", "\ufeff", "\u2060"]
    + ["\u0301", "\u0308"] + [chr(c) for c in range(0xFF10, 0xFF1A)] + ["\uff21", "\uff4a", "\u3000"]
    + list("䶮𠀀𪚥龘運單號倉") + ["😀", "👨‍👩‍👧", "🇨🇳"]
    + list("'\"=+-@,;\t|\\%&<>") + ["עברית", "العربية"]
)
DIGITS = "0123456789"


def digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=min_size, max_size=max_size)


# Things that look like what the readers want, slightly or badly wrong.
number_like = st.one_of(
    digits(8, 20),  # order numbers (and 12-13 digit ones that also look like waybills)
    digits(1, 30),
    st.builds(lambda p, d: p + d, st.sampled_from(["JDX", "JDVA", "JDVB", "VA", "SF", "YT", "ZTO", "jdx"]),
              digits(8, 16)),
    st.builds(lambda d, n, t: f"{d}-{n}-{t}-", digits(10, 15), st.integers(0, 99), st.integers(0, 99)),
    st.builds(lambda m, e: f"{m}E+{e}", st.sampled_from(["3.12346", "1.23457", "9.9"]), st.integers(0, 30)),
    st.builds(lambda d: "".join(chr(0xFF10 + int(c)) for c in d), digits(8, 13)),  # full-width digits
    st.builds(lambda d, junk: d + junk, digits(8, 13), st.sampled_from(HOSTILE)),
    st.builds(lambda d: "'" + d, digits(8, 13)),
)
# NUL above all: PostgreSQL refuses it in any text parameter, SQLite takes it.
CONTROL = ["\x00"] * 16 + [chr(c) for c in range(1, 0x20)] + ["\x7f"]
hostile_text = st.one_of(
    st.text(max_size=40),
    st.builds(lambda before, control, after: before + control + after, st.text(max_size=6),
              st.sampled_from(CONTROL), st.text(max_size=6)),
    st.lists(st.sampled_from(HOSTILE), max_size=30).map("".join),
    st.lists(st.sampled_from(HOSTILE + HEADERS + ["", " "]), max_size=8).map("".join),
    number_like,
)
times = st.one_of(
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)).map(lambda t: t.replace(microsecond=0)),
    st.builds(lambda d, f: d.strftime(f), st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)),
              st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%d/%m/%Y", "%H:%M"])),
)


def huge_text(max_size: int) -> st.SearchStrategy[str]:
    """A long cell made of a repeated chunk (hypothesis builds it quickly, the reader still sees it all)."""
    return st.builds(lambda chunk, times_: (chunk * times_)[:max_size], st.text(min_size=1, max_size=8),
                     st.integers(1000, max_size))


def cells() -> st.SearchStrategy[tuple]:
    return st.one_of(
        st.tuples(st.just("text"), hostile_text),
        st.tuples(st.just("text"), st.sampled_from(HEADERS)),
        st.tuples(st.just("text"), times.map(str)),
        st.tuples(st.just("number"), st.one_of(
            st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False, width=64),
            st.integers(10**7, 10**20).map(float))),
        st.tuples(st.just("bool"), st.booleans()),
        st.tuples(st.just("date"), st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31))),
        st.tuples(st.just("formula"), st.one_of(
            st.sampled_from(["=1/0", "=A1", "=NOW()", "=HYPERLINK(\"http://x\")", "=SUM(A:A)", "=\"3123\"&\"45678901\"",
                             "=B2", "=1E+308*10", "=REPT(\"x\",32767)"]),
            st.text(max_size=20).map(lambda t: "=" + t))),
        st.tuples(st.just("blank"), st.none()),
    )


@st.composite
def rows(draw, max_text: int = XLSX_MAX_TEXT, max_rows: int = 12, max_width: int = 8):
    """A header row (names the readers know, shuffled, with strangers) above hostile rows, sometimes
    with title rows above it or no header at all; now and then one huge cell somewhere."""
    body = draw(st.lists(st.lists(cells(), max_size=max_width), max_size=max_rows))
    if draw(st.booleans()):
        header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), hostile_text), min_size=1, max_size=max_width))
        titles = draw(st.lists(st.lists(cells(), max_size=3), max_size=2))
        body = titles + [[("text", name) for name in header]] + body
    if body and draw(st.integers(0, 3)) == 0:
        row = draw(st.integers(0, len(body) - 1))
        body[row] = body[row] + [("text", draw(huge_text(max_text)))]
    return body


def _plausible(field: str) -> st.SearchStrategy:
    """A value that fits the column (or nearly): what gets a row past the parsers into the database."""
    text = {
        "order_no": digits(8, 20),
        "ordered_at": times.map(str),
        "status": st.sampled_from(sorted(JD_STATE_WORDS) + sorted(JD_STATE_CODES) + ["shipped", "待付款", ""]),
        "receiver_address": st.builds(lambda region, rest: region + rest,
                                      st.sampled_from(["浙江省杭州市西湖区", "北京市朝阳区", "新疆维吾尔自治区乌鲁木齐市",
                                                       "上海上海市浦东新区", "", "广东省"]), hostile_text),
        "receiver_phone": st.one_of(digits(8, 8).map(lambda d: "138" + d), digits(7, 8).map(lambda d: "010-" + d),
                                    st.just("138****5678"), digits(0, 14)),
        "sku_id": digits(1, 20),
        "quantity": st.one_of(st.integers(-5, 10**10).map(str), st.just("")),
        "amount": st.one_of(st.decimals(-1, 10**11, places=2, allow_nan=False).map(str),
                            st.builds("¥{:,.2f}".format, st.floats(0, 10**9)), st.just("")),
    }.get(field, hostile_text)
    fitting = st.tuples(st.just("text"), text)
    return st.integers(0, 3).flatmap(lambda n: cells() if n == 0 else fitting)  # 1 in 4 cells hostile


@st.composite
def order_exports(draw):
    """A JD order export (订单导出): the columns the importer knows (order number always), shuffled, under
    their names or aliases, one row per SKU with values that mostly fit, an order number repeating."""
    fields = ["order_no"] + draw(st.lists(st.sampled_from(sorted(set(COLUMN_ALIASES) - {"order_no"})), unique=True))
    fields = draw(st.permutations(fields))
    header = [("text", draw(st.sampled_from(COLUMN_ALIASES[field]))) for field in fields]
    body = draw(st.lists(st.tuples(*[_plausible(field) for field in fields]).map(list), max_size=10))
    if len(body) > 1 and draw(st.booleans()):  # a second SKU row of the first order
        body.append(list(body[-1]))
        body[-1][fields.index("order_no")] = body[0][fields.index("order_no")]
    return [header, *body]


# Excel counts a sheet name's length in UTF-16 units: keep to the BMP so 31 characters fit.
sheet_names = st.text(st.characters(max_codepoint=0xFFFF, blacklist_characters="[]:*?/\\'",
                                    blacklist_categories=("Cs",)), min_size=1, max_size=31).filter(
    lambda name: name.strip() == name and name.lower() != "history")
workbooks = st.lists(st.tuples(sheet_names, st.one_of(rows(), order_exports())), min_size=1, max_size=3,
                     unique_by=lambda sheet: sheet[0].lower())


# --- writers -------------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets) -> Path:
    with xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False}) as workbook:
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for name, sheet_rows in sheets:
            sheet = workbook.add_worksheet(name)
            for r, row in enumerate(sheet_rows):
                for c, (kind, value) in enumerate(row):
                    if kind == "text":
                        sheet.write_string(r, c, value[:XLSX_MAX_TEXT])
                    elif kind == "number":
                        sheet.write_number(r, c, value)
                    elif kind == "bool":
                        sheet.write_boolean(r, c, value)
                    elif kind == "date":
                        sheet.write_datetime(r, c, value, date_format)
                    elif kind == "formula":
                        sheet.write_formula(r, c, value)
    return path


def write_xls(path: Path, sheets) -> Path:
    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for name, sheet_rows in sheets:
        sheet = workbook.add_sheet(_xls_sheet_name(name, workbook))
        for r, row in enumerate(sheet_rows[:65536]):
            for c, (kind, value) in enumerate(row[:256]):
                if kind == "text":
                    sheet.write(r, c, value[:XLS_MAX_TEXT])
                elif kind in ("number", "bool"):
                    sheet.write(r, c, value)
                elif kind == "date":
                    sheet.write(r, c, value, date_style)
                elif kind == "formula":
                    sheet.write(r, c, value)  # as text: xlwt's formula parser takes little
    workbook.save(str(path))
    return path


def _xls_sheet_name(name: str, workbook) -> str:
    # xlwt wants plain names; a hostile one is the xlsx writer's job.
    safe = "".join(ch for ch in name if ch.isalnum())[:31] or "Sheet"
    return f"{safe[:28]}{len(workbook._Workbook__worksheets)}"


def _ods_cell(kind: str, value) -> str:
    if kind in ("blank", "formula"):
        return "<table:table-cell/>"
    if kind == "number" or kind == "bool":
        return (f'<table:table-cell office:value-type="float" office:value="{float(value)!r}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    if kind == "date":
        return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{_xml_text(value)}</text:p></table:table-cell>'


def _xml_text(value: str) -> str:
    # XML 1.0 has no place for most control characters: a real ODS writer drops them too.
    return escape("".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))


def write_ods(path: Path, sheets) -> Path:
    tables = "".join(
        f'<table:table table:name="{escape(_xml_text(name), {chr(34): "&quot;"})}">'
        + "".join("<table:table-row>" + "".join(_ods_cell(*cell) for cell in (row or [("blank", None)]))
                  + "</table:table-row>" for row in sheet_rows)
        + "</table:table>"
        for name, sheet_rows in sheets
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _csv_value(kind: str, value) -> str:
    if kind == "blank":
        return ""
    if kind == "date":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "latin-1", "big5"]


def csv_bytes(sheet_rows, encoding: str, delimiter: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows([[_csv_value(*cell) for cell in row] for row in sheet_rows])
    return out.getvalue().encode(encoding, errors="replace")


@st.composite
def spreadsheet_files(draw, folder: Path) -> Path:
    """A real file of one of the accepted formats, its content hostile."""
    fmt = draw(st.sampled_from(["xlsx", "xlsx", "xls", "ods", "csv", "csv", "txt"]))
    path = folder / f"upload-{draw(st.integers(0, 10**9))}.{fmt}"
    if fmt == "xlsx":
        return write_xlsx(path, draw(workbooks))
    if fmt == "xls":
        return write_xls(path, draw(workbooks))
    if fmt == "ods":
        return write_ods(path, draw(workbooks))
    sheet_rows = draw(st.one_of(rows(max_text=300_000), order_exports()))
    encoding = draw(st.sampled_from(ENCODINGS))
    if fmt == "txt":
        lines = ["".join(_csv_value(*cell) for cell in row[:1]) for row in sheet_rows]
        path.write_bytes("\n".join(lines).encode(encoding, errors="replace"))
    else:
        path.write_bytes(csv_bytes(sheet_rows, encoding, draw(st.sampled_from([",", "\t", ";", "|"]))))
    return path


# --- broken files --------------------------------------------------------------------------------

ZIP_BOMB_BYTES = 24 << 20  # inflates to 24 MB from ~24 KB: well past a real sheet's ratio, bounded


def _rezip(data: bytes, change) -> bytes:
    """The zip ``data`` with each member passed through ``change(name, content)`` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
    return out.getvalue()


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") or name == "content.xml"


MUTATIONS = {
    "truncated": lambda data, n: data[: n % max(len(data), 1)],
    "bytes flipped": lambda data, n: bytes(b ^ 0xFF if i % 97 == n % 97 else b for i, b in enumerate(data)),
    "sheet missing": lambda data, n: _rezip(data, lambda name, c: None if _is_sheet(name) else c),
    "workbook part missing": lambda data, n: _rezip(
        data, lambda name, c: None if name in ("xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels",
                                               "xl/sharedStrings.xml") else c),
    "sheet garbage": lambda data, n: _rezip(data, lambda name, c: bytes(range(256)) * (1 + n % 7) if _is_sheet(name) else c),
    "sheet cut": lambda data, n: _rezip(data, lambda name, c: c[: n % max(len(c), 1)] if _is_sheet(name) else c),
    "shared strings cut": lambda data, n: _rezip(
        data, lambda name, c: c[: n % max(len(c), 1)] if name == "xl/sharedStrings.xml" else c),
    "zip bomb": lambda data, n: _rezip(
        data, lambda name, c: c.replace(b"<sheetData>", b"<sheetData>" + b" " * ZIP_BOMB_BYTES, 1)
        if _is_sheet(name) else c),
}
OTHER_SUFFIXES = ["xlsx", "xls", "xlsb", "xlsm", "ods", "csv", "txt", "pdf", "", "XLSX", "xlsx.exe", "tar.gz"]


@st.composite
def malformed_files(draw, folder: Path) -> Path:
    """A broken file: a real workbook mutated, random bytes, an empty file, or a good file misnamed."""
    kind = draw(st.sampled_from(["mutated xlsx", "mutated ods", "random bytes", "empty", "misnamed", "zip of junk"]))
    suffix = draw(st.sampled_from(OTHER_SUFFIXES))
    path = folder / (f"broken-{draw(st.integers(0, 10**9))}" + (f".{suffix}" if suffix else ""))
    if kind in ("mutated xlsx", "mutated ods"):
        writer, real_suffix = (write_xlsx, "xlsx") if kind == "mutated xlsx" else (write_ods, "ods")
        source = writer(folder / f"source.{real_suffix}", draw(workbooks))
        mutation = draw(st.sampled_from(sorted(MUTATIONS)))
        data = MUTATIONS[mutation](source.read_bytes(), draw(st.integers(0, 10**6)))
        path = path.with_suffix(f".{real_suffix}") if draw(st.booleans()) else path
    elif kind == "random bytes":
        data = draw(st.binary(max_size=4096))
    elif kind == "empty":
        data = b""
    elif kind == "zip of junk":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in draw(st.lists(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "mimetype",
                                                       "xl/worksheets/sheet1.xml", "content.xml", "a.txt"]),
                                      max_size=4, unique=True)):
                archive.writestr(name, draw(st.binary(max_size=200)))
        data = out.getvalue()
    else:  # a good file under another suffix
        source = draw(spreadsheet_files(folder))
        data = source.read_bytes()
    path.write_bytes(data)
    return path




FAILURES = Path(__file__).parents[2] / "var" / "fuzz" / "failing-files"


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A temporary folder for one example's files; when the example fails its files are copied to
    var/fuzz/failing-files/ (hypothesis replays the shrunk example last, so its copy is what stays)."""
    with tempfile.TemporaryDirectory(prefix="yundan-fuzz-") as folder:
        try:
            yield Path(folder)
        except Exception:
            FAILURES.mkdir(parents=True, exist_ok=True)
            for path in Path(folder).iterdir():
                shutil.copy(path, FAILURES / path.name)
            raise
