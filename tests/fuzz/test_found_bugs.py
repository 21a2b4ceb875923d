"""The bugs the fuzz pass found, each pinned by the input that found it (shrunk by hypothesis)."""

from pathlib import Path

import pytest
from fuzz.stored import row_counts, stored_rows

from yundan.batch.query import run_batch_query
from yundan.batch.reading import InputError
from yundan.orders.importing import import_orders
from yundan.shipping.order_lists import read_order_list

pytestmark = pytest.mark.django_db

CSV_FIELD_LIMIT = 131072  # the csv module's default field_size_limit()


@pytest.fixture
def csv_with_a_huge_cell(tmp_path) -> Path:
    path = tmp_path / "订单.csv"
    path.write_text(f"订单号,商家备注\n312345678901,{'备' * (CSV_FIELD_LIMIT + 1)}\n", encoding="utf-8")
    return path


def test_a_csv_cell_over_the_csv_modules_limit_is_refused_naming_its_line(csv_with_a_huge_cell, tmp_path):
    # Found by the fuzz pass: csv.Error escaped every CSV reader (a 500 in the console, a job failed
    # as an internal error).
    with pytest.raises(InputError, match="第 2 行无法按 CSV 读取"):
        run_batch_query(csv_with_a_huge_cell, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    with pytest.raises(ValueError, match="第 2 行无法按 CSV 读取"):
        read_order_list(csv_with_a_huge_cell)
    before = row_counts()
    with pytest.raises(ValueError, match="第 2 行无法按 CSV 读取"):
        import_orders(csv_with_a_huge_cell, shop_name="fuzz")
    assert stored_rows(before, row_counts()) == {}
