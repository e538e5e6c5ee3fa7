"""Spreadsheet users: the CSV opens in Excel as UTF-8 with codes kept as text, and the .xlsx workbook has a
README sheet and one sheet per mart with codes stored as text and nothing evaluated as a formula."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import duckdb
import pytest

from smartcity import exports

REGIONS = [("32.10", "Kab. Majalengka", "32", 1_182_109.0), ("91.05", "Kab. Kepulauan Yapen — Papua", "91", None),
           ("0012", "=HYPERLINK(\"http://x\")", "00", -3.5)]


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "small.duckdb"))
    con.execute("create schema marts")
    con.execute("create table marts.dim_region (region_code varchar, region_name varchar, province_code varchar, "
                "population double)")
    con.executemany("insert into marts.dim_region values (?, ?, ?, ?)", REGIONS)
    con.execute("create table marts.fct_indicator_value as select '32.10' as region_code, 'SE01' as "
                "indicator_code, 2020 as year, 12.5 as value, timestamptz '2026-01-01 07:00:00+07' as as_of")
    con.execute("comment on table marts.dim_region is 'One row per kabupaten/kota.'")
    con.execute("comment on column marts.dim_region.region_code is 'Kemendagri code, text'")
    yield con
    con.close()


def test_csv_opens_in_excel_as_utf8_with_codes_as_text(con, tmp_path):
    result = exports.write_spreadsheet_exports(con, tmp_path / "out", version_id="v7")
    assert result["csv"] == {"dim_region": 3, "fct_indicator_value": 1}
    raw = (tmp_path / "out" / "dim_region.csv").read_bytes()
    assert raw.startswith(exports.BOM)                       # Excel reads UTF-8 only with the BOM
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert rows[0] == ["region_code", "region_name", "province_code", "population"]
    # what Excel sees in each cell: a text formula for number-like codes, so 32.10 stays "32.10"
    assert [r[0] for r in rows[1:]] == ['="32.10"', '="91.05"', '="0012"']
    assert [r[2] for r in rows[1:]] == ['="32"', '="91"', '="00"']
    assert rows[2][1] == "Kab. Kepulauan Yapen — Papua"
    assert rows[3][1] == "'=HYPERLINK(\"http://x\")"       # a formula in the data is never run
    assert rows[1][3] == "1182109" and rows[3][3] == "-3.5"  # numbers stay numbers
    assert rows[2][3] == ""


def test_xlsx_has_readme_and_one_sheet_per_mart_with_codes_as_text(con, tmp_path):
    from openpyxl import load_workbook

    exports.write_spreadsheet_exports(con, tmp_path / "out", version_id="v7")
    wb = load_workbook(tmp_path / "out" / exports.WORKBOOK_NAME)
    assert wb.sheetnames == ["README", "dim_region", "fct_indicator_value"]
    sheet = wb["dim_region"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["region_code", "region_name", "province_code", "population"]
    assert [v[0] for v in values[1:]] == ["32.10", "91.05", "0012"]
    for row in sheet.iter_rows(min_row=2):
        code, name = row[0], row[1]
        assert code.data_type == "s" and code.number_format == "@"
        assert name.data_type == "s"                          # '=HYPERLINK(...)' is text, not a formula
    assert values[3][1] == "=HYPERLINK(\"http://x\")"
    assert values[1][3] == 1182109 and values[3][3] == -3.5 and values[2][3] is None
    fact = [[c.value for c in row] for row in wb["fct_indicator_value"].iter_rows()]
    assert fact[1][:4] == ["32.10", "SE01", 2020, 12.5]
    assert fact[1][4] == datetime(2026, 1, 1, 0, 0)          # UTC, as the README says
    readme = [[c.value for c in row] for row in wb["README"].iter_rows()]
    flat = [v for row in readme for v in row if v is not None]
    assert "v7" in flat
    assert ["dim_region", "marts.dim_region", 3, "One row per kabupaten/kota."] in [r[:4] for r in readme]
    assert ["marts.dim_region", "region_code", "VARCHAR", "Kemendagri code, text"] in [r[:4] for r in readme]


def test_sheet_names_fit_excel():
    names = exports._sheet_names(["a" * 40, "a" * 40 + "b", "readme", "x/y"])
    assert all(len(v) <= 31 for v in names.values())
    assert len(set(n.lower() for n in names.values())) == 4 and "readme" not in {n.lower() for n in names.values()}
    assert names["x/y"] == "x_y"




def test_csv_keeps_the_formula_neutralising_of_export_marts(tmp_path):
    import pyarrow as pa

    labels = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "plain", "\t=1", "-5", "1E5", "3/4", None]
    exports.write_excel_csv(pa.table({"label": labels}), tmp_path / "t.csv")
    rows = list(csv.reader(open(tmp_path / "t.csv", encoding="utf-8-sig")))
    cells = [(r or [""])[0] for r in rows[1:]]
    assert cells == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "plain", "'\t=1",
                     "'-5", '="1E5"', '="3/4"', ""]
