"""Spreadsheet drops: merged multi-row headers, Indonesian numbers, encodings, footnotes, region names
matched respecting kabupaten/kota; what cannot be resolved goes to quarantine with the reason."""
from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from extractors import spreadsheet
from extractors.numbers import parse_number, strip_footnote


@pytest.mark.parametrize("raw,value,status", [
    ("1.234,56", 1234.56, "ok"), ("1.234", 1234.0, "ok"), ("12,5", 12.5, "ok"), ("1.234.567", 1234567.0, "ok"),
    ("-", None, "missing"), ("n/a", None, "missing"), ("", None, "missing"), ("abc", None, "invalid"), (75, 75.0, "ok"),
])
def test_indonesian_numbers(raw, value, status):
    assert parse_number(raw) == spreadsheet.parse_number(raw) and parse_number(raw).value == value
    assert parse_number(raw).status == status


def test_footnote_digits_glued_to_labels():
    assert strip_footnote("lainnya1") == "lainnya" and strip_footnote("Kota Bandung2") == "Kota Bandung"
    assert strip_footnote("Persentase Penduduk Miskin1") == "Persentase Penduduk Miskin"


def _xlsx(path, title, header, merges, body):
    """As OPD staff make them: a merged title row, a blank row, a two-row merged header, a footnote."""
    wb = Workbook()
    ws = wb.active
    width = len(header[0])
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for i, row in enumerate(header + body):
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(3 + i, 1 + j, v)
    for r1, c1, r2, c2 in merges:
        ws.merge_cells(start_row=2 + r1, start_column=c1, end_row=2 + r2, end_column=c2)
    ws.cell(3 + len(header) + len(body) + 1, 1, "Sumber: BPS dan OPD terkait1")
    wb.save(path)


def land(tmp_path, path):
    summary = spreadsheet.extract_file(path, tmp_path / "raw", tmp_path / "quarantine", "run-1")
    good = pq.read_table(tmp_path / "raw/spreadsheet/indicators" / f"file={path.name}" / "data.parquet").to_pylist()
    qpath = tmp_path / "quarantine/spreadsheet/indicators" / f"{path.name}.parquet"
    bad = pq.read_table(qpath).to_pylist() if qpath.exists() else []
    return summary, good, bad


def test_xlsx_with_merged_year_header_by_region(tmp_path):
    path = tmp_path / "drop.xlsx"
    header = [["No", "Kabupaten/Kota", "Tahun (%)", None, None], [None, None, "2022", "2023", "2024"]]
    body = [["1", "Kab. Bandung", "1.234,56", "-", "12,5"],
            ["2", "Kota Bandung2", "n/a", "3", "abc"],
            ["3", "Bandung", "1", "2", "3"],        # both Kabupaten and Kota Bandung exist: ambiguous
            ["4", "Atlantis", "1", "2", "3"],
            ["5", "KOTA BARU", "7", "8", "9"],       # BPS spelling of Kabupaten Kotabaru
            ["", "Jumlah", "100", "100", "100"]]    # the total row is not a region
    _xlsx(path, "Persentase Penduduk Miskin (P0) Menurut Kabupaten/Kota 2022-2024", header,
          [(1, 1, 2, 1), (1, 2, 2, 2), (1, 3, 1, 5)], body)
    summary, good, bad = land(tmp_path, path)
    assert {r["indicator_code"] for r in good} == {"SE03"}
    by = {(r["region_code"], r["year"]): r for r in good}
    assert by[("32.04", 2022)]["value"] == 1234.56 and by[("32.04", 2024)]["value"] == 12.5
    assert by[("32.04", 2023)]["value"] is None and by[("32.04", 2023)]["value_missing"] is True
    assert by[("32.73", 2023)]["value"] == 3 and by[("32.73", 2023)]["region_name"] == "Kota Bandung"
    assert by[("63.02", 2024)]["value"] == 9
    reasons = {(r["region_name"], r["reason"].split(" ")[0]) for r in bad}
    assert ("Bandung", "ambiguous") in reasons and ("Atlantis", "unknown") in reasons
    assert any(r["reason"] == "unparseable value 'abc'" for r in bad)
    assert summary["quarantined"] == len(bad) == 1 + 3 + 3
    assert not any(r["region_name"] == "Jumlah" for r in good + bad)


def test_cp1252_csv_by_indicator_with_region_in_title(tmp_path):
    path = tmp_path / "ikd.csv"
    lines = ["Indikator Kinerja Daerah Kabupaten Muara Enim", "", "No;Indikator;Satuan;2019;2020",
             "1;Persentase Penduduk Miskin1;%;12,5;12,1", "2;Indeks Pembangunan Manusia;indeks;69,5;-",
             "3;Rasio Guru–Murid²;rasio;1;2"]  # an en dash and a superscript: Windows-1252 bytes
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    _, good, bad = land(tmp_path, path)
    assert {(r["indicator_code"], r["year"], r["value"]) for r in good} == {
        ("SE03", 2019, 12.5), ("SE03", 2020, 12.1), ("SE05", 2019, 69.5), ("SE05", 2020, None)}
    assert {r["region_code"] for r in good} == {"16.03"}
    assert {r["reason"] for r in bad} == {"unknown indicator 'Rasio Guru–Murid'"}


def test_drop_folder_names_datasets_and_reruns_replace(tmp_path):
    drop = tmp_path / "drop" / "opd"
    drop.mkdir(parents=True)
    table = "Kabupaten/Kota,2023\nKota Kediri,\"71,50\"\n"  # an IPM (index 0-100): '1.500' would be 1.5
    (drop / "ipm-SE05.csv").write_text(table, encoding="utf-8")  # the indicator named by the file
    (drop / "lain.csv").write_text(table, encoding="utf-8")      # no indicator anywhere
    for _ in range(2):
        out = spreadsheet.extract_drop_folder(tmp_path / "drop", tmp_path / "raw", tmp_path / "q", "r")
    by_file = {s["file"]: s for s in out}
    assert by_file["ipm-SE05.csv"]["dataset"] == "opd" and by_file["ipm-SE05.csv"]["row_count"] == 1
    rows = pq.read_table(tmp_path / "raw/spreadsheet/opd/file=ipm-SE05.csv/data.parquet").to_pylist()
    assert len(rows) == 1 and rows[0]["region_code"] == "35.71" and rows[0]["value"] == 71.5
    assert rows[0]["indicator_code"] == "SE05"
    assert by_file["lain.csv"]["row_count"] == 0 and by_file["lain.csv"]["quarantined"] == 1
    bad = pq.read_table(tmp_path / "q/spreadsheet/opd/lain.csv.parquet").to_pylist()
    assert bad[0]["reason"].startswith("unknown indicator")


def test_a_file_landed_from_the_same_bytes_is_not_read_again(tmp_path, monkeypatch):
    """Drops are re-delivered: the same bytes (and the same parser) keep the landed partition and its
    quarantine untouched without opening the file; changed bytes or a changed parser read it again."""
    drop = tmp_path / "drop"
    drop.mkdir()
    path = drop / "ipm-SE05.csv"
    path.write_text("Kabupaten/Kota,2023\nKota Kediri,\"1.500\"\nKota Atlantis,\"2\"\n", encoding="utf-8")
    extract = lambda run: {s["file"]: s for s in spreadsheet.extract_drop_folder(  # noqa: E731
        drop, tmp_path / "raw", tmp_path / "q", run)}["ipm-SE05.csv"]
    first = extract("run-1")
    quarantine = tmp_path / "q/spreadsheet/indicators/ipm-SE05.csv.parquet"
    quarantined_bytes = quarantine.read_bytes()
    opened = []
    real_read = spreadsheet.read_file
    monkeypatch.setattr(spreadsheet, "read_file", lambda p: opened.append(p) or real_read(p))

    again = extract("run-2")
    assert opened == [] and again["status"] == "skipped" and again["manifest_id"] == first["manifest_id"]
    assert again["quarantined"] == first["quarantined"] == 1 and quarantine.read_bytes() == quarantined_bytes

    path.write_text("Kabupaten/Kota,2023\nKota Kediri,\"1.600\"\n", encoding="utf-8")
    changed = extract("run-3")
    assert opened == [path] and changed["status"] == "success" and changed["quarantined"] == 0
    assert not quarantine.exists()

    spreadsheet.parser_version.cache_clear()
    monkeypatch.setattr(spreadsheet, "parser_version", lambda: "a-new-parser")
    reread = extract("run-4")
    assert opened == [path, path] and reread["status"] == "unchanged"  # read again, found the same rows
    assert extract("run-5")["status"] == "skipped" and opened == [path, path]  # that check counts next time
