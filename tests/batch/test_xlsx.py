"""The streaming xlsx writer's output opens in calamine and in LibreOffice, cells intact."""

import csv
import subprocess
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from yundan.batch.xlsx import write_xlsx

ROWS = [
    ["订单号", "说明"],
    ["012345678901", "前导零<保留> & 不变"],
    ["'=1+1", "  两端空格  "],
    ["12053695854357871005", "控制字符\x01被去掉"],
    ["", "空单元格在前"],
]


def read(path):
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def test_text_cells_come_back_as_written_in_calamine(tmp_path):
    write_xlsx(tmp_path / "out.xlsx", [("查询结果", ROWS), ("统计", [["状态", "数量"], ["运输中", "3"]])])
    sheets = read(tmp_path / "out.xlsx")
    assert list(sheets) == ["查询结果", "统计"]
    rows = sheets["查询结果"]
    assert rows[1] == ["012345678901", "前导零<保留> & 不变"]
    assert rows[2] == ["'=1+1", "  两端空格  "]
    assert rows[3] == ["12053695854357871005", "控制字符被去掉"]
    assert rows[4] == ["", "空单元格在前"]


def test_libreoffice_opens_the_file_with_every_cell_as_text(tmp_path):
    write_xlsx(tmp_path / "out.xlsx", [("查询结果", ROWS)])
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-{uuid.uuid4().hex}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
                    str(tmp_path / "out.xlsx")], check=True, capture_output=True, timeout=120)
    with (tmp_path / "out.csv").open(encoding="utf-8") as converted:
        rows = list(csv.reader(converted))
    assert rows[1][0] == "012345678901" and rows[3][0] == "12053695854357871005"
    assert rows[1][1] == "前导零<保留> & 不变"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=5), min_size=1, max_size=20))
def test_any_text_survives_except_the_characters_xml_forbids(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("xlsx") / "any.xlsx"
    write_xlsx(path, [("s", rows)])
    back = read(path)["s"]
    dropped = ({chr(c) for c in range(32)} - {"\t", "\n", "\r"}) | {"\ufffe", "\uffff"}
    expected = ["".join(ch for ch in cell if ch not in dropped) for row in rows for cell in row]
    got = [cell for row in back for cell in row]
    assert [c for c in got if c] == [c for c in expected if c]
