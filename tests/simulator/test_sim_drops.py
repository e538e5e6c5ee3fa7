import csv
import io
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from simulator.drops import BAD_NAMES, write_drops
from simulator.world import COMPONENTS, YEARS


@pytest.fixture(scope="module")
def drops(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drop")
    return folder, write_drops(folder, seed=0, scale=514)


def test_files_as_staff_make_them(drops):
    folder, result = drops
    names = sorted(Path(f).name for f in result["files"])
    assert "Hasil_Evaluasi_Smart_City_2022.xlsx" in names and "evaluasi_smart_city_2019.csv" in names
    assert any(n.endswith(".xlsx") and "sampah" in n.lower() for n in names)
    assert result["planted_bad_rows"] == []


def test_evaluation_xlsx_holds_the_world_scores(drops, world):
    folder, _ = drops
    ws = openpyxl.load_workbook(folder / "Hasil_Evaluasi_Smart_City_2022.xlsx")["Rekap"]
    assert {str(m) for m in ws.merged_cells.ranges} >= {"A1:I1", "D3:H3", "A3:A4"}
    assert [c.value for c in ws[4]][3:8] == list(COMPONENTS)
    y = YEARS.index(2022)
    evaluated = np.flatnonzero(world.evaluated()[:, y])
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert len(rows) == len(evaluated)
    for row, i in zip(rows, evaluated, strict=True):
        assert list(row[3:8]) == pytest.approx(list(world.components[i, y]))
        assert row[8] == pytest.approx(world.index_score()[i, y])


def test_cp1252_csv_with_indonesian_numbers(drops, world):
    folder, _ = drops
    raw = (folder / "evaluasi_smart_city_2019.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("cp1252")), delimiter=";"))
    assert "–" in rows[0][0] and rows[3][3:8] == list(COMPONENTS)
    first = rows[4]
    assert "," in first[3] and "." not in first[3]                      # "2,27"


def test_indicator_table_uses_names_dashes_and_footnotes(drops, world):
    folder, _ = drops
    ws = openpyxl.load_workbook(next(folder.glob("*sampah*.xlsx"))).active
    body = [r for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert len(body) == 514
    cells = [c for r in body for c in r[2:]]
    assert "-" in cells and "n/a" in cells
    assert any(str(r[1])[-1].isdigit() for r in body)                   # "Kota Batu1"
    assert not any(str(r[1])[:2].isdigit() and "." in str(r[1])[:3] for r in body)  # no codes


def test_bad_rows_fraction_plants_about_ten_percent(tmp_path):
    result = write_drops(tmp_path, seed=0, scale=514, bad_rows_fraction=0.1)
    bad = result["planted_bad_rows"]
    assert abs(len(bad) / result["rows"] - 0.1) < 0.02
    assert {b["reason"] for b in bad} == {"unmatched_region", "unparseable_value"}
    names = [b for b in bad if b["reason"] == "unmatched_region"]
    assert all(b["value"] in BAD_NAMES for b in names)


def test_drops_are_byte_identical_for_a_seed(tmp_path):
    a, b = write_drops(tmp_path / "a", seed=1, scale=60), write_drops(tmp_path / "b", seed=1, scale=60)
    for fa, fb in zip(a["files"], b["files"], strict=True):
        assert Path(fa).read_bytes() == Path(fb).read_bytes()


def test_xlsx_bytes_do_not_depend_on_the_clock():
    import time

    from simulator.sheets import xlsx_bytes
    sheet = [("S", "title", [["a", "b"]], [], [[1, "2,5"]], ["note"])]
    first = xlsx_bytes(sheet)
    time.sleep(1.1)                     # zip entries and docProps carry seconds
    assert xlsx_bytes(sheet) == first
