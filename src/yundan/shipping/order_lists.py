"""Lists of orders merchants hand in as files (--from FILE): order numbers, optionally with the
waybill number and carrier of a parcel they sent themselves."""

from dataclasses import dataclass
from pathlib import Path

from yundan.shipping.waybills import carrier_from_name, looks_like_order_no
from yundan.spreadsheets import cell_text, column_value, find_header, first_sheet, identifier_text

LIST_COLUMNS = {
    "order_no": ("订单号", "订单编号", "订单ID"),
    "waybill_no": ("物流单号", "运单号", "快递单号"),
    "carrier": ("快递公司", "物流公司", "承运商"),
}


@dataclass(frozen=True)
class ListedOrder:
    row: int  # 1-based spreadsheet row, for messages
    order_no: str
    waybill_no: str = ""
    carrier: str = ""  # carrier code


@dataclass(frozen=True)
class ListError:
    row: int
    order_no: str
    reason: str


def _listed(row: int, cells: list, columns: dict[str, int]) -> ListedOrder:
    order_no = identifier_text(column_value(cells, columns, "order_no"))
    waybill_no = identifier_text(column_value(cells, columns, "waybill_no"))
    carrier_text = cell_text(column_value(cells, columns, "carrier"))
    if waybill_no and not carrier_text:
        raise ValueError("填写了物流单号，但没有填写快递公司")
    if carrier_text and not waybill_no:
        raise ValueError("填写了快递公司，但没有填写物流单号")
    return ListedOrder(row, order_no, waybill_no, carrier_from_name(carrier_text) if carrier_text else "")


def _bare_numbers(rows: list[list]) -> bool:
    firsts = [cell_text(row[0]) for row in rows if row and cell_text(row[0])]
    return bool(firsts) and all(looks_like_order_no(text) for text in firsts)


def read_order_list(path: Path) -> tuple[list[ListedOrder], list[ListError]]:
    """Every non-blank row of the first sheet, or the reason it cannot be used."""
    if not path.exists():
        raise ValueError(f"文件不存在：{path}")
    rows = first_sheet(path)
    try:
        header, columns = find_header(rows, LIST_COLUMNS, required="order_no")
    except ValueError:
        if not _bare_numbers(rows):
            raise
        header, columns = -1, {"order_no": 0}  # a plain list of order numbers, no header
    listed, errors = [], []
    for number, cells in enumerate(rows[header + 1 :], start=header + 2):
        if not any(cell_text(c) for c in cells):
            continue
        try:
            listed.append(_listed(number, cells, columns))
        except ValueError as error:
            errors.append(ListError(number, cell_text(column_value(cells, columns, "order_no")), str(error)))
    return listed, errors
