"""Spreadsheets, generated and broken, through every reader a merchant's file reaches.

Surfaces: the batch query's reader and the whole query (``yundan batch query``, the console's and the
API's upload end there), the order-list reader (``yundan ship/labels --from``, the console's list
file) and the order import (``yundan orders import``). Passing: a clear refusal (``InputError`` /
``ValueError`` with a message naming the file, row or column) or a result; never another
exception; and nothing stored from what was refused.
"""

from pathlib import Path

import pytest
from fuzz.files import malformed_files, scratch_folder, spreadsheet_files
from fuzz.stored import rolled_back, row_counts, stored_rows
from fuzz.tally import TALLY, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from yundan.batch.query import run_batch_query
from yundan.batch.reading import InputError, read_query_input
from yundan.orders.importing import import_orders
from yundan.orders.models import Order
from yundan.shipping.order_lists import read_order_list

pytestmark = pytest.mark.django_db

# What a refusal is about, by the words it starts with: the tally groups refusals by these.
REFUSALS = {"文件编码": "encoding", "不支持的文件类型": "file type", "无法读取": "unreadable", "没有数据": "no data",
            "没有找到单号列": "no number column", "前 10 行中没有找到": "no header", "文件已加密": "encrypted",
            "解压后": "zip bomb", "超过": "too many rows", "第 ": "bad row", "没有工作表": "no sheet"}


def refusal_kind(message: str) -> str:
    for words, kind in REFUSALS.items():
        if words in message:
            return f"refused ({kind})"
    return "refused (other)"


any_file = st.data()
# What an import may add to: the orders, their items, the shop named, and the API's change feed.
ORDER_TABLES = {"orders.Shop", "orders.Order", "orders.OrderItem", "api.OrderFeedEntry"}


def draw_file(data, folder: Path) -> Path:
    return data.draw(st.one_of(spreadsheet_files(folder), malformed_files(folder)))


@given(data=any_file)
@fuzz_settings(60)
def test_the_batch_query_answers_or_refuses_any_file_and_stores_nothing(data):
    with scratch_folder() as folder:
        path = draw_file(data, folder)
        before = row_counts()
        out = folder / "result.xlsx"
        try:
            values = list(read_query_input(path).values)
            result = run_batch_query(path, out)
        except InputError as error:
            assert str(error).strip() and "（" in str(error), "a refusal says why, in Chinese then English"
            assert not out.exists()
            TALLY.record("spreadsheet: batch query", refusal_kind(str(error)))
        else:
            assert all(value.row >= 1 and (value.number or value.problem) for value in values)
            assert result.input_rows == len(values) and out.is_file()
            TALLY.record("spreadsheet: batch query", "answered")
        assert stored_rows(before, row_counts()) == {}
        assert not [name for name in folder.iterdir() if name.name.endswith(".partial")]


@given(data=any_file)
@fuzz_settings(50)
def test_an_order_list_file_is_read_row_by_row_or_refused(data):
    with scratch_folder() as folder:
        path = draw_file(data, folder)
        try:
            listed, errors = read_order_list(path)
        except ValueError as error:
            assert str(error).strip()
            TALLY.record("spreadsheet: order list (ship/labels)", refusal_kind(str(error)))
            return
        assert all(row.row >= 1 for row in listed)
        assert all(error.row >= 1 and error.reason for error in errors)
        TALLY.record("spreadsheet: order list (ship/labels)", "rows with errors" if errors else "read")


@given(data=any_file)
@fuzz_settings(80)
def test_an_order_import_stores_exactly_the_orders_without_a_bad_row(data):
    shop = "fuzz"
    with scratch_folder() as folder, rolled_back():
        path = draw_file(data, folder)
        before = row_counts()
        try:
            report = import_orders(path, shop_name=shop)
        except ValueError as error:
            assert str(error).strip()
            assert stored_rows(before, row_counts()) == {}, "a refused file stores nothing"
            TALLY.record("spreadsheet: order import", refusal_kind(str(error)))
            return
        stored = set(Order.objects.filter(shop__name=shop).values_list("order_no", flat=True))
        assert len(stored) == report.created and report.updated == report.unchanged == 0
        assert not stored & {rejection.order_no for rejection in report.rejected}, "a rejected order is not stored"
        assert all(rejection.row >= 2 and rejection.reason for rejection in report.rejected)
        assert set(stored_rows(before, row_counts())) <= ORDER_TABLES
        again = import_orders(path, shop_name=shop)
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(stored)), "importing twice changes nothing"
        outcome = {(True, True): "some orders stored, some rejected", (True, False): "every order stored",
                   (False, True): "every row rejected", (False, False): "no rows"}[bool(stored), bool(report.rejected)]
        TALLY.record("spreadsheet: order import", outcome)
