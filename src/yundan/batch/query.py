"""Batch logistics query (批量查询物流): a file of order or waybill numbers in, a spreadsheet out.

Input is streamed in chunks: each chunk is answered with two bulk queries (orders by number with
their packages, packages by waybill) from the packages' stored summaries, made in a thread one
chunk ahead, and its rows are written before the chunk after next is read, so memory stays flat
however long the file. The output goes to a temporary file that replaces the target only when
complete: never a half-written result.
"""

import csv
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q

from yundan import clock
from yundan.batch.answers import COLUMNS, DUPLICATE, NOT_FOUND, message_row, package_row, safe
from yundan.batch.lookups import orders_with_packages, packages_by_waybill
from yundan.batch.reading import InputValue, read_query_input
from yundan.batch.xlsx import write_xlsx
from yundan.shipping.models import Package
from yundan.tracking.services import refresh_packages
from yundan.tracking.statuses import TERMINAL_STATUSES

CHUNK = 2000
Chunk = tuple[InputValue, ...]
# A chunk with its answers from the database: orders_with_packages of its numbers, and
# packages_by_waybill of those that are no order number.
LookedUp = tuple[Chunk, dict, dict]


@dataclass
class BatchResult:
    out_path: Path
    sheet: str = ""
    column: str = ""
    input_rows: int = 0
    output_rows: int = 0
    orders_found: int = 0
    waybills_found: int = 0
    not_found: int = 0
    lost_digits: int = 0
    duplicates: int = 0
    by_status: Counter = field(default_factory=Counter)  # 物流状态 (or 订单状态 without a waybill)

    def summary_rows(self) -> list[list[str]]:
        counts = [("查询行数", self.input_rows), ("结果行数", self.output_rows), ("按订单号找到", self.orders_found),
                  ("按运单号找到", self.waybills_found), ("未找到", self.not_found),
                  ("数字精度丢失", self.lost_digits), ("重复", self.duplicates)]
        status_rows = [(f"物流状态：{name}", count) for name, count in self.by_status.most_common()]
        return [["统计项", "数量"], *([name, str(count)] for name, count in counts + status_rows)]


def _chunks(values: Iterable[InputValue]) -> Iterator[Chunk]:
    iterator = iter(values)
    while chunk := tuple(islice(iterator, CHUNK)):
        yield chunk


def _refresh_stale(numbers: set[str]) -> None:
    """Ask carriers again for the live packages these numbers reach whose data has gone stale."""
    cutoff = clock.now() - timedelta(minutes=settings.YUNDAN_BATCH_REFRESH_AGE_MINUTES)
    stale = (Package.objects.filter(Q(order__order_no__in=numbers) | Q(waybill_no__in=numbers))
             .filter(shipped_at__isnull=False, updated_at__lt=cutoff).exclude(status__in=TERMINAL_STATUSES))
    refresh_packages(list(stale.select_related("order__shop")))


def _look_up(chunk: Chunk, refresh: bool) -> LookedUp:
    numbers = list(dict.fromkeys(value.number for value in chunk if value.number))
    if refresh:
        _refresh_stale(set(numbers))
    orders = orders_with_packages(numbers)
    return chunk, orders, packages_by_waybill([number for number in numbers if number not in orders])


def _looked_up(values: Iterable[InputValue], refresh: bool) -> Iterator[LookedUp]:
    """Every chunk with its lookups; the next chunk's are made in a thread meanwhile.

    Why a thread: the database does its share outside the GIL (on SQLite the whole order join runs
    in the first step of its sort), so the next chunk's queries overlap this chunk's rows being
    built and written. The thread uses this thread's connection, so it sees the same transaction,
    and never at the same time: while a lookup is out, this thread only builds and writes rows,
    which need no database.
    """
    shared = connections[DEFAULT_DB_ALIAS]
    shared.inc_thread_sharing()
    try:
        with ThreadPoolExecutor(1, initializer=_use_connection, initargs=(shared,)) as thread:
            ahead = None
            for chunk in _chunks(values):
                next_one = thread.submit(_look_up, chunk, refresh)
                if ahead is not None:
                    yield ahead.result()
                ahead = next_one
            if ahead is not None:
                yield ahead.result()
    finally:
        shared.dec_thread_sharing()


def _use_connection(shared) -> None:
    connections[DEFAULT_DB_ALIAS] = shared


def _answer_chunk(chunk: Chunk, orders: dict, waybills: dict, seen: dict[str, int],
                  result: BatchResult) -> Iterator[list[str]]:
    for value in chunk:
        result.input_rows += 1
        if value.problem:
            result.lost_digits += 1
            yield message_row(value.raw, value.problem)
            continue
        first = seen.setdefault(value.number, value.row)
        note = DUPLICATE.format(row=first) if first != value.row else ""
        result.duplicates += bool(note)
        if value.number in orders:
            result.orders_found += 1
            for order, packages in orders[value.number]:
                for package in packages or [None]:
                    yield _counted(result, package_row(value.raw, order, package, note))
        elif value.number in waybills:
            result.waybills_found += 1
            for order, package in waybills[value.number]:
                yield _counted(result, package_row(value.raw, order, package, note))
        else:
            result.not_found += 1
            yield message_row(value.raw, "；".join(filter(None, [NOT_FOUND, note])))


def _counted(result: BatchResult, row: list[str]) -> list[str]:
    """Count the row under its 物流状态, or its 订单状态 when it has no logistics yet."""
    result.by_status[row[5] or f"{row[2]}（无物流）"] += 1
    return row


def answer_rows(values: Iterable[InputValue], result: BatchResult, refresh: bool,
                progress: Callable[[int], None]) -> Iterator[list[str]]:
    """The header, then every input row's answer rows, in input order, formula-safe."""
    yield list(COLUMNS)
    seen: dict[str, int] = {}
    for chunk, orders, waybills in _looked_up(values, refresh):
        for row in _answer_chunk(chunk, orders, waybills, seen, result):
            result.output_rows += 1
            # Only the merchant's own text and the carrier's can start like a formula; the other
            # cells are numbers, times and our own labels.
            row[0], row[6] = safe(row[0]), safe(row[6])
            yield row
        progress(len(chunk))


def _write_csv(path: Path, rows: Iterable[list[str]]) -> None:
    # UTF-8 with BOM: Excel opens it as UTF-8; GBK could not hold every name (䶮).
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)


def run_batch_query(input_path: Path, out_path: Path, *, as_csv: bool = False, refresh: bool = False,
                    progress: Callable[[int], None] = lambda n: None) -> BatchResult:
    """Answer every non-blank row of ``input_path`` into ``out_path`` (.xlsx, or CSV with ``as_csv``).

    Raises ``batch.reading.InputError`` for a file that cannot be used; then nothing is written.
    """
    query = read_query_input(input_path)
    result = BatchResult(out_path=out_path, sheet=query.sheet, column=query.column)
    rows = answer_rows(query.values, result, refresh, progress)
    partial = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex}.partial")
    try:
        if as_csv:
            _write_csv(partial, rows)
        else:
            # The summary sheet is produced after the first sheet has consumed every row.
            write_xlsx(partial, _sheets(rows, result))
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return result


def _sheets(rows: Iterator[list[str]], result: BatchResult):
    yield "查询结果", rows
    yield "统计", result.summary_rows()
