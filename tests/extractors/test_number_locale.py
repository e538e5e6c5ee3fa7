"""Number locale by evidence: '0.381' in a dot-decimal column stays 0.381; '1.234,56' is Indonesian;
a column that proves both, or nothing, is quarantined with the reason instead of guessed."""
from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from extractors import spreadsheet
from extractors.numbers import COMMA_DECIMAL, DOT_DECIMAL, decide_locale, parse_number


@pytest.mark.parametrize("values,unit,locale", [
    (["0.381", "0.402", "0.37"], None, DOT_DECIMAL),        # a Gini: no thousands group starts with 0
    (["71.234", "12.5"], None, DOT_DECIMAL),                  # '12.5' proves the dot is the decimal mark
    (["1.234,56", "71.234"], None, COMMA_DECIMAL),            # '1.234,56' proves the comma is
    (["0,5", "1.234"], None, COMMA_DECIMAL),
    (["1.234.567", "71.234"], None, COMMA_DECIMAL),           # two dots: dot thousands
    (["71.234", "68.120"], "%", DOT_DECIMAL),                 # read as thousands it would exceed 100 %
    (["1.234", "12"], "count", COMMA_DECIMAL),                # a count is whole: the dot groups thousands
])
def test_locale_decided_from_the_evidence(values, unit, locale):
    decision = decide_locale(values, unit=unit)
    assert decision.locale == locale and not decision.ambiguous, decision
    assert decision.evidence


@pytest.mark.parametrize("values", [["71.234", "12"], ["1.234,5", "0.381"]])
def test_ambiguous_or_conflicting_columns_are_not_guessed(values):
    decision = decide_locale(values)
    assert decision.ambiguous and decision.locale is None
    assert "ambiguous" in decision.evidence or "conflicting" in decision.evidence


def test_parse_in_a_decided_locale():
    assert parse_number("0.381", DOT_DECIMAL).value == 0.381
    assert parse_number("71.234", DOT_DECIMAL).value == 71.234
    assert parse_number("1,234.5", DOT_DECIMAL).value == 1234.5
    assert parse_number("1.234,56", COMMA_DECIMAL).value == 1234.56
    assert parse_number("1.234", COMMA_DECIMAL).value == 1234.0
    assert parse_number("1.234,5", DOT_DECIMAL).status == "invalid"  # against the column's locale


def _land(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    summary = spreadsheet.extract_file(path, tmp_path / "raw", tmp_path / "q", "run-1")
    part = tmp_path / "raw/spreadsheet/indicators" / f"file={name}"
    good = pq.read_table(part / "data.parquet").to_pylist()
    qpath = tmp_path / "q/spreadsheet/indicators" / f"{name}.parquet"
    bad = pq.read_table(qpath).to_pylist() if qpath.exists() else []
    manifest = json.loads((part / "_manifest.json").read_text())
    return summary, good, bad, manifest


def test_dot_decimal_column_keeps_0_381_and_the_manifest_says_why(tmp_path):
    # a machine-written CSV: the poverty rate with a decimal point ('9.123' would be 9123 % in Indonesian)
    text = "Kabupaten/Kota,2022,2023\nKabupaten Bogor,0.381,9.123\nKota Bandung,3.95,4.1\n"
    _, good, bad, manifest = _land(tmp_path, "persentase-penduduk-miskin-SE03.csv", text)
    assert not bad
    values = {(r["region_code"], r["year"]): r["value"] for r in good}
    assert values == {("32.01", 2022): 0.381, ("32.01", 2023): 9.123, ("32.73", 2022): 3.95, ("32.73", 2023): 4.1}
    decision = next(iter(manifest["number_locale"].values()))
    assert decision["locale"] == DOT_DECIMAL and "0.381" in decision["evidence"]


def test_an_ambiguous_column_goes_to_quarantine_with_the_reason(tmp_path):
    # a unit that bounds nothing and no other value with a mark: '71.234' is 71234 or 71.234
    text = "Kabupaten/Kota,Indikator,Satuan,2023\nKabupaten Bogor,Persentase Penduduk Miskin,nilai,71.234\n" \
           "Kota Bandung,Persentase Penduduk Miskin,nilai,12\n"
    _, good, bad, manifest = _land(tmp_path, "indikator.csv", text)
    decision = next(iter(manifest["number_locale"].values()))
    assert decision["ambiguous"] and decision["locale"] is None
    assert [r["value_raw"] for r in bad] == ["71.234"] and "ambiguous number format" in bad[0]["reason"]
    assert [(r["region_code"], r["value"]) for r in good] == [("32.73", 12.0)]  # no mark: either way 12
