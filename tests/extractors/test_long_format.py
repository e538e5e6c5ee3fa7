"""Long-format tables (one indicator per CSV, one row per region x year) as Open Data Jabar publishes
them: every row lands with the year of its own `tahun` cell and the region of its code or name."""
from __future__ import annotations

import pyarrow.parquet as pq

from extractors import long_format, spreadsheet

HEADER = ("id,kode_provinsi,nama_provinsi,kode_kabupaten_kota,nama_kabupaten_kota,persentase_penduduk_miskin,"
          "satuan,tahun")


def _land(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    summary = spreadsheet.extract_file(path, tmp_path / "raw", tmp_path / "q", "run-1")
    good = pq.read_table(tmp_path / "raw/spreadsheet/indicators" / f"file={name}" / "data.parquet").to_pylist()
    qpath = tmp_path / "q/spreadsheet/indicators" / f"{name}.parquet"
    return summary, good, pq.read_table(qpath).to_pylist() if qpath.exists() else []


def test_long_format_with_the_real_header_lands_every_row_with_its_year(tmp_path):
    text = "\n".join([HEADER,
                      "1,32,JAWA BARAT,3201,KABUPATEN BOGOR,7.27,PERSEN,2022",
                      "2,32,JAWA BARAT,3201,KABUPATEN BOGOR,7.12,PERSEN,2023",
                      "3,32,JAWA BARAT,3273,KOTA BANDUNG,3.96,PERSEN,2023",
                      "4,32,JAWA BARAT,3271,KOTA BOGOR,0.381,PERSEN,2024"]) + "\n"
    _, good, bad = _land(tmp_path, "od_15047_persentase_penduduk_miskin.csv", text)
    assert not bad
    assert sorted((r["region_code"], r["year"], r["value"], r["indicator_code"], r["unit"]) for r in good) == [
        ("32.01", 2022, 7.27, "SE03", "PERSEN"), ("32.01", 2023, 7.12, "SE03", "PERSEN"),
        ("32.71", 2024, 0.381, "SE03", "PERSEN"), ("32.73", 2023, 3.96, "SE03", "PERSEN")]


def test_long_format_without_the_code_column_keeps_the_first_row_and_its_year(tmp_path):
    header = "id,kode_provinsi,nama_provinsi,nama_kabupaten_kota,persentase_penduduk_miskin,satuan,tahun"
    text = "\n".join([header, "1,32,JAWA BARAT,KABUPATEN GARUT,9.77,PERSEN,2023",
                      "2,32,JAWA BARAT,KOTA BEKASI,4.01,PERSEN,2022"]) + "\n"
    _, good, bad = _land(tmp_path, "persentase_penduduk_miskin.csv", text)
    assert not bad
    assert sorted((r["region_code"], r["year"], r["value"]) for r in good) == [
        ("32.05", 2023, 9.77), ("32.75", 2022, 4.01)]


def test_codes_read_as_kemendagri_or_bps_with_the_province_as_context():
    # 1101: Kemendagri Aceh Selatan, BPS Simeulue -> the name decides; 1473 exists only as a BPS code
    assert long_format.resolve_code("1101", "11", "KABUPATEN SIMEULUE").code == "11.09"
    assert long_format.resolve_code("1101", "11", "Kabupaten Aceh Selatan").code == "11.01"
    assert "ambiguous region code" in long_format.resolve_code("1101", "11").reason
    assert long_format.resolve_code("1473", "14").code == "14.72"  # Kota Dumai: 1473 is only its BPS code
    assert long_format.resolve_code("3201", "32").code == "32.01"
    assert long_format.resolve_code("32.01").code == "32.01"
    assert long_format.resolve_code("3201", "35").code is None  # not in the row's province


def test_a_wide_table_with_a_merged_tahun_header_is_not_taken_for_long_format():
    rows = [["No", "Kabupaten/Kota", "Tahun (%)", "Tahun (%)"], [None, None, "2023", "2024"],
            ["1", "Kota Kediri", "1,5", "2,5"]]
    assert long_format.detect(rows) is None
    assert long_format.detect([["id", "nama_kabupaten_kota", "nilai", "satuan", "tahun"],
                               ["1", "KOTA KEDIRI", "1.5", "PERSEN", "2023"]]) is not None
