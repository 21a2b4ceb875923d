"""Reading the tables merchants hand us: .xlsx, .xls, .xlsb, .ods, .csv and .txt.

Cells come back as Python values (calamine's types for workbooks, text for CSV). Numbers that
stand for identifiers (order numbers, phones) go through ``identifier_text``, which never guesses:
a number that has lost digits in Excel is reported, not rounded into somebody else's order.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from python_calamine import CalamineWorkbook

from yundan.text import to_half_width

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
# Zip bomb guards, checked on the zip directory before calamine inflates anything. A real sheet's
# XML compresses about 10:1 (200,000 order rows: 29 MB → 2.6 MB); zeros compress about 1000:1.
MAX_UNCOMPRESSED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 10 << 20  # tiny members (styles, rels) may compress absurdly well
TEXT_SUFFIXES = {".csv", ".txt"}
# Excel keeps 15 significant digits; a longer number stored as a number was already rounded.
MAX_EXACT_DIGITS = 15
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")


class LostDigitsError(ValueError):
    """An identifier stored as a number (or in scientific notation) that can no longer be trusted."""


def decode_text_file(data: bytes) -> str:
    """Chinese Excel saves "CSV (逗号分隔)" as GBK; everything else we see is UTF-8 (with BOM)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV")


def implausibly_compressed(members: list[zipfile.ZipInfo], max_bytes: int = MAX_UNCOMPRESSED_BYTES) -> bool:
    """Whether a zip (an .xlsx or .ods) would inflate to more than ``max_bytes``, or has a big member
    compressed far better than any real sheet: a zip bomb, refused before calamine inflates it."""
    return sum(member.file_size for member in members) > max_bytes or any(
        member.file_size >= RATIO_CHECK_MIN_BYTES
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )


def _refuse_zip_bomb(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except Exception:  # zipfile raises many kinds for a damaged directory (even NotImplementedError)
        return  # no zip (an .xls) or a damaged one: calamine says which
    if implausibly_compressed(members):
        raise ValueError(f"文件 {path.name} 解压后过大或压缩比异常，不像正常的表格文件："
                         "请用 Excel 打开后另存为 .xlsx 再上传")


def read_sheets(path: Path) -> Iterator[tuple[str, list[list]]]:
    """Yield (sheet name, rows) for every sheet; a CSV or text file is one sheet."""
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        _refuse_zip_bomb(path)
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except Exception as error:  # calamine raises its own error types per format
            raise ValueError(f"无法读取表格文件 {path.name}：{error}") from error
        for name in workbook.sheet_names:
            try:
                sheet = workbook.get_sheet_by_name(name)  # a damaged file may fail only here
            except Exception as error:
                raise ValueError(f"无法读取表格文件 {path.name} 的工作表「{name}」：{error}") from error
            yield name, sheet.to_python(skip_empty_area=False)
    elif suffix in TEXT_SUFFIXES:
        text = decode_text_file(path.read_bytes())
        yield path.stem, list(csv_records(text)) if suffix == ".csv" else [[line] for line in text.splitlines()]
    else:
        raise ValueError(
            f"不支持的文件类型「{suffix or path.name}」：请上传 .xlsx、.xls、.ods、.csv 或 .txt 文件"
        )


def first_sheet(path: Path) -> list[list]:
    """The rows of the first sheet; ValueError when the workbook has none."""
    for _, rows in read_sheets(path):
        return rows
    raise ValueError(f"文件 {path.name} 中没有工作表")


def csv_records(text: str) -> Iterator[list[str]]:
    """The rows of a CSV text, streamed; the delimiter (comma, tab or semicolon) is sniffed.

    A line the csv module cannot read (a cell over its 128 KB field limit) raises ValueError naming
    the line, not ``csv.Error``, which no caller expects."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as error:
        raise ValueError(
            f"第 {reader.line_num} 行无法按 CSV 读取：单元格过长或格式有误（line {reader.line_num}: {error}）"
        ) from None


def cell_text(value) -> str:
    """Any cell as trimmed text; integral floats lose their ``.0``; NUL characters dropped (they mean
    nothing in a cell, and PostgreSQL refuses them)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return to_half_width(str(value)).replace("\x00", "").strip()


def identifier_text(value) -> str:
    """An order number, waybill number or phone read from a cell, digits intact or an error."""
    if isinstance(value, bool):
        raise ValueError(f"应为号码，实为 {value}")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            raise LostDigitsError(f"「{value}」不是完整的号码")
        digits = str(int(value))
        if len(digits.lstrip("-")) > MAX_EXACT_DIGITS:
            raise LostDigitsError(
                f"「{digits}」超过15位却以数字格式保存，Excel 已丢失末尾数字；请把该列设为文本后重新导出"
            )
        return digits
    text = "".join(cell_text(value).split()).lstrip("'")
    if _SCIENTIFIC.match(text):
        raise LostDigitsError(f"「{text}」是科学计数法，号码的数字已丢失；请把该列设为文本后重新导出")
    return text


HEADER_SEARCH_ROWS = 10


def column_value(cells: list, columns: dict[str, int], name: str):
    """The cell of field ``name`` in a row; None when the file has no such column or the row is short."""
    position = columns.get(name)
    return cells[position] if position is not None and position < len(cells) else None


def _header_key(text) -> str:
    return "".join(cell_text(text).split()).upper()


def find_header(rows: list[list], aliases: dict[str, tuple[str, ...]], required: str) -> tuple[int, dict[str, int]]:
    """The header row's index and each field's column, found by name anywhere in the first rows.

    Title rows and merged cells above the header are normal in merchants' files. ``aliases`` maps
    a field to the header texts that name it; the header row is the first naming ``required``.
    """
    wanted = {_header_key(alias): name for name, names in aliases.items() for alias in names}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            name = wanted.get(_header_key(cell))
            if name and name not in columns:
                columns[name] = position
        if required in columns:
            return index, columns
    names = "、".join(aliases[required])
    raise ValueError(f"前 {HEADER_SEARCH_ROWS} 行中没有找到「{aliases[required][0]}」列（可用列名：{names}）")
