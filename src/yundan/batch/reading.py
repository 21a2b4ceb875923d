"""The input side of the batch logistics query (批量查询物流): which numbers did the merchant upload?

Why this is more than ``read_sheets``: the files are big (a month of orders is 10^5–10^6 rows),
come from anywhere (JD's export centre, Excel, WPS, a CSV opened and re-saved in Excel, a .txt
pasted from WeChat) and are often wrong in ways the merchant cannot see. So this module

* streams: rows come from calamine's ``iter_rows()`` (the sheet's cells stay in calamine's compact
  Rust storage; Python holds one row at a time), CSV/TXT are decoded whole but iterated line by line;
* finds the number column by header name (title rows above it are normal), or, without a header,
  by what the cells look like;
* never guesses a number: a long number Excel already rounded is reported (``problem``), not
  queried as somebody else's order;
* refuses whole files early and says what to do: encrypted exports (JD's export centre puts an
  SMS password on order exports), zip bombs, corrupt files, more rows than Excel allows.

Errors about the file as a whole are raised by ``read_query_input`` before any value is yielded.
The only error the ``values`` iterator itself raises is ``InputError`` for a sheet that turns out
longer than ``MAX_ROWS`` while streaming — normally caught up front from the sheet's dimensions.
"""

from __future__ import annotations

import io
import itertools
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from python_calamine import CalamineWorkbook, PasswordError

from yundan.shipping.waybills import looks_like_order_no, looks_like_waybill, normalize_waybill
from yundan.spreadsheets import (
    HEADER_SEARCH_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    TEXT_SUFFIXES,
    WORKBOOK_SUFFIXES,
    LostDigitsError,
    cell_text,
    csv_records,
    decode_text_file,
    find_header,
    identifier_text,
    implausibly_compressed,
)

MAX_ROWS = 1_048_576  # Excel's limit

# Headerless files: a column is the number column when this share of its non-blank cells in the
# first rows looks like an order or waybill number.
HEADERLESS_SAMPLE_ROWS = 50
HEADERLESS_MIN_SHARE = 0.8

NUMBER_ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "订单号", "订单编号", "订单ID", "运单号", "物流单号", "快递单号", "单号", "查询值",
        "order no", "order_no", "orderid", "order id", "waybill", "waybill no", "tracking number",
    ),
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# The OLE directory entry of an encrypted OOXML package's stream (MS-OFFCRYPTO): the name in UTF-16,
# zero-padded to 64 bytes, then its length in bytes with the terminator (34). Matching the padding
# and length too keeps a cell that merely says "EncryptedPackage" from looking encrypted.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\0") + (34).to_bytes(2, "little")
_ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".ods"}
ACCEPTED = " ".join(sorted(WORKBOOK_SUFFIXES | TEXT_SUFFIXES))


class InputError(ValueError):
    """The file as a whole cannot be used; the message (Chinese first, then English in parentheses)
    names the problem and what to do."""


class InputValue(NamedTuple):  # a tuple: built once per input row, twice as fast as a dataclass
    row: int  # 1-based row number in its sheet (what the merchant sees in Excel)
    raw: str  # the cell as text, as the merchant typed it (for the 查询值 column)
    number: str  # the normalized number, "" when there is a problem
    problem: str  # "" or an explanation, e.g. 数字精度丢失：…


@dataclass
class QueryInput:
    sheet: str  # which sheet the numbers came from
    column: str  # the header text found, or "第N列（无表头）"
    values: Iterator[InputValue]  # every non-blank row under the header, in input order, streamed


@dataclass
class _Sheet:
    name: str
    rows: Iterator[tuple[int, list]]  # (0-based row index, cells), lazily
    first_column: int = 0  # calamine drops empty columns on the left of the data


def read_query_input(path: Path) -> QueryInput:
    """Find the order/waybill number column of an uploaded file and stream its values.

    Raises ``InputError`` for an unusable file (see the module docstring).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        sheets = _text_sheets(path, suffix)
    elif suffix in WORKBOOK_SUFFIXES:
        sheets = _workbook_sheets(path, suffix)
    else:
        kind = suffix or path.name
        raise InputError(
            f"不支持的文件类型「{kind}」：请上传 {ACCEPTED} 文件（unsupported file type {kind}: upload {ACCEPTED}）"
        )
    return _locate_numbers(path, sheets)


# --- finding the column --------------------------------------------------------------------------


def _locate_numbers(path: Path, sheets: Iterator[_Sheet]) -> QueryInput:
    first_with_data: tuple[_Sheet, list] | None = None
    for sheet in sheets:
        head = list(itertools.islice(sheet.rows, max(HEADER_SEARCH_ROWS, HEADERLESS_SAMPLE_ROWS)))
        try:
            header_index, columns = find_header([cells for _, cells in head], NUMBER_ALIASES, "number")
        except ValueError:
            if first_with_data is None and any(cell_text(cell) for _, cells in head for cell in cells):
                first_with_data = (sheet, head)
            continue
        position = columns["number"]
        header = cell_text(head[header_index][1][position])
        rows = itertools.chain(head[header_index + 1 :], sheet.rows)
        return QueryInput(sheet.name, header, _values(path, sheet.name, rows, position))
    if first_with_data is None:
        raise InputError(f"文件「{path.name}」中没有数据（{path.name} contains no data）")
    sheet, head = first_with_data
    found = _headerless_column(head)
    if found is None:
        raise InputError(
            f"没有找到单号列：请在前 {HEADER_SEARCH_ROWS} 行加表头（如 订单号、运单号），"
            f"可用列名：{'、'.join(NUMBER_ALIASES['number'])}"
            f"（no order/waybill number column in {path.name}: add a header such as 订单号 or 运单号）"
        )
    position, start = found
    column = f"第{sheet.first_column + position + 1}列（无表头）"
    rows = itertools.chain(head[start:], sheet.rows)
    return QueryInput(sheet.name, column, _values(path, sheet.name, rows, position))


def _headerless_column(head: list[tuple[int, list]]) -> tuple[int, int] | None:
    """(column position, index in ``head`` of its first number-looking cell), or None."""
    width = max((len(cells) for _, cells in head), default=0)
    for position in range(width):
        filled = [
            (index, _looks_like_number(cells[position]))
            for index, (_, cells) in enumerate(head)
            if position < len(cells) and cell_text(cells[position])
        ]
        numbers = [index for index, looks in filled if looks]
        if numbers and len(numbers) >= HEADERLESS_MIN_SHARE * len(filled):
            return position, numbers[0]
    return None


def _looks_like_number(cell) -> bool:
    try:
        number = normalize_waybill(identifier_text(cell))
    except LostDigitsError:
        return True  # a number, just one Excel has damaged: still the number column
    except ValueError:
        return False
    return looks_like_order_no(number) or looks_like_waybill(number)


# --- values --------------------------------------------------------------------------------------


def _values(path: Path, sheet: str, rows: Iterator[tuple[int, list]], position: int) -> Iterator[InputValue]:
    for index, cells in rows:
        if index >= MAX_ROWS:
            raise _too_many_rows(path, sheet)
        value = _input_value(index + 1, cells[position] if position < len(cells) else None)
        if value.number or value.problem:
            yield value


def _input_value(row: int, cell) -> InputValue:
    if type(cell) is str and cell.isascii() and cell.isdigit():
        return InputValue(row, cell, cell, "")  # most cells: digits typed as text, nothing to clean
    raw = cell_text(cell)
    if not raw:
        return InputValue(row, raw, "", "")
    try:
        return InputValue(row, raw, normalize_waybill(identifier_text(cell)), "")
    except LostDigitsError as error:
        return InputValue(row, raw, "", f"数字精度丢失：{error}")
    except ValueError as error:  # e.g. a TRUE/FALSE cell
        return InputValue(row, raw, "", str(error))


def _too_many_rows(path: Path, sheet: str) -> InputError:
    return InputError(
        f"文件「{path.name}」的工作表「{sheet}」超过 {MAX_ROWS} 行：请拆分成多个文件后分别上传"
        f"（sheet {sheet!r} of {path.name} has more than {MAX_ROWS} rows: split the file）"
    )


# --- CSV and text files --------------------------------------------------------------------------


def _text_sheets(path: Path, suffix: str) -> Iterator[_Sheet]:
    try:
        text = decode_text_file(path.read_bytes())
    except ValueError as error:
        raise InputError(f"{error}（cannot decode {path.name}: save it as UTF-8 or GBK text）") from error
    if suffix == ".csv":

        def records() -> Iterator[list]:
            return _csv_rows(path, text)
    else:

        def records() -> Iterator[list]:
            return ([line.rstrip("\n")] for line in io.StringIO(text, newline=None))

    # Count up front (cheaply when the newline count is already within the limit) so that an
    # oversized file is refused before any value is yielded.
    if text.count("\n") >= MAX_ROWS and sum(1 for _ in records()) > MAX_ROWS:
        raise _too_many_rows(path, path.stem)
    return iter([_Sheet(path.stem, enumerate(records()))])


def _csv_rows(path: Path, text: str) -> Iterator[list]:
    try:
        yield from csv_records(text)
    except ValueError as error:  # a line the csv module cannot read, named in the message
        raise InputError(f"文件「{path.name}」{error}") from error


# --- workbooks -----------------------------------------------------------------------------------


def _workbook_sheets(path: Path, suffix: str) -> Iterator[_Sheet]:
    workbook = _open_workbook(path, suffix)
    return (_open_sheet(path, workbook, name) for name in workbook.sheet_names)


def _open_workbook(path: Path, suffix: str) -> CalamineWorkbook:
    with path.open("rb") as file:
        magic = file.read(8)
    if magic == _OLE_MAGIC:
        if _is_encrypted_ooxml(path):
            raise _encrypted(path)
        suffix_fits = suffix == ".xls"
    elif magic.startswith(_ZIP_MAGICS):
        _check_zip(path)
        suffix_fits = suffix in _ZIP_SUFFIXES
    else:
        raise _unreadable(path, "neither an Excel nor an ODS file")
    try:
        if suffix_fits:
            return CalamineWorkbook.from_path(path)
        # A renamed file (an .xls saved as .xlsx, or the reverse): calamine picks its reader by
        # suffix, so let it detect the format from the content instead.
        with path.open("rb") as file:
            return CalamineWorkbook.from_filelike(file)
    except PasswordError as error:  # an .xls saved with a password (FILEPASS record)
        raise _encrypted(path) from error
    except Exception as error:  # calamine raises its own error types per format
        raise _unreadable(path, str(error)) from error


def _open_sheet(path: Path, workbook: CalamineWorkbook, name: str) -> _Sheet:
    try:
        sheet = workbook.get_sheet_by_name(name)  # calamine parses the whole sheet here, in Rust
    except PasswordError as error:
        raise _encrypted(path) from error
    except Exception as error:
        raise _unreadable(path, str(error)) from error
    if sheet.end is not None and sheet.end[0] >= MAX_ROWS:
        raise _too_many_rows(path, name)
    # iter_rows() yields every row from row 1 (empty rows included), but only the columns from the
    # first one holding data: remember that column to name it as Excel does.
    first_column = sheet.start[1] if sheet.start is not None else 0
    return _Sheet(name, enumerate(sheet.iter_rows()), first_column)


def _is_encrypted_ooxml(path: Path) -> bool:
    """An encrypted .xlsx is an OLE compound file holding an ``EncryptedPackage`` stream.

    The directory usually sits in the first 64 KB, but may be anywhere: scan the whole file in
    overlapping chunks (uploads are a few MB).
    """
    overlap = len(_ENCRYPTED_PACKAGE) - 1
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            if _ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False


def _check_zip(path: Path) -> None:
    """Refuse zip bombs from the zip directory alone, before anything is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            manifest = next((m for m in members if m.filename == "META-INF/manifest.xml"), None)
            # A password-protected .ods is a zip whose manifest describes how its parts are encrypted.
            encrypted_ods = (
                manifest is not None
                and manifest.file_size < 1 << 20
                and b"encryption-data" in archive.read(manifest)
            )
    # zipfile raises NotImplementedError for compression methods it lacks and RuntimeError for
    # encrypted members: both mean a file no spreadsheet program wrote for us.
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise _unreadable(path, f"damaged zip: {error}") from error
    total = sum(member.file_size for member in members)
    if implausibly_compressed(members, MAX_UNCOMPRESSED_BYTES):
        raise InputError(
            f"文件「{path.name}」解压后有 {total // 2**20} MB，大小或压缩比异常，不像正常的表格文件，"
            "请用 Excel 打开后另存为 .xlsx 再上传"
            f"（{path.name} would expand to {total // 2**20} MB or is compressed implausibly well: "
            "refused as a possible zip bomb; open it in Excel and save it again）"
        )
    if encrypted_ods:
        raise _encrypted(path)


def _encrypted(path: Path) -> InputError:
    return InputError(
        "文件已加密：京东导出中心的订单文件有密码，请用短信中的密码打开后另存为不加密的文件再上传"
        f"（{path.name} is password-protected: JD's export centre encrypts order exports — open it "
        "with the password from the SMS, save it without a password, then upload it）"
    )


def _unreadable(path: Path, detail: str) -> InputError:
    return InputError(
        f"无法读取文件「{path.name}」：文件已损坏或不是表格文件，请用 Excel 打开后另存为 .xlsx 再上传"
        f"（cannot read {path.name}: damaged or not a spreadsheet — {detail}; open it in Excel and "
        "save it as .xlsx）"
    )
