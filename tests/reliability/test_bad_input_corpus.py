"""The corpus of bad inputs (issue 5): for each, which layer catches it and with what message, and that the
served warehouse stays byte-identical. Bad rows are planted by rewriting landing partitions after the good
extraction (their `_manifest.json` kept), so each layer is exercised on exactly what a source could deliver.

Layers covered elsewhere in this suite (same corpus, caught by the extractors):
  - a source that answers HTML (200 maintenance page, 403 firewall page) and a renamed field at the source
    (schema drift): test_source_faults.py::test_permanent_fault_fails_clearly_and_keeps_the_last_good_data;
  - decimal-comma numbers at the source: BPS parses them (test_source_faults.py, decimal_comma), and dbt
    reads monev's Indonesian amounts (test_faulty_runs_end_to_end.py::test_monev_decimal_comma_amounts_reach_the_marts);
  - unknown region names and unparseable values in spreadsheet drops: quarantined with reasons
    (test_spreadsheet_quarantine.py);
  - hostile sources (issue 15: path traversal, credentials sent elsewhere, SSRF, size and gzip bombs,
    slowloris, XLSX bombs, stored XSS, poisoned cursors, NUL in text, over-long names, symlinks, mixed
    encodings): test_hostile_sources.py, whose docstring lists each attack with the layer that stops it
    (also docs/hostile-sources.md)."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from reliability_kit import clone_root, file_sha

pytestmark = [pytest.mark.reliability]

DOMAIN = "3500"   # Jawa Timur: many served kab/kota in every BPS variable
FUTURE_YEAR = datetime.now(timezone.utc).year + 1


def rewrite(path, change) -> None:
    """Apply `change(list_of_rows) -> list_of_rows` to a landing Parquet file, keeping its schema."""
    table = pq.read_table(path)
    rows = change(table.to_pylist())
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)


def set_cell(column, value, index=0):
    def change(rows):
        rows[index][column] = value
        return rows
    return change


def bps(raw, var):
    return raw / "bps" / "observations" / f"domain={DOMAIN}" / f"var={var}" / "data.parquet"


# name -> (how it is planted, the expectation's words in the message, the offending value in the message)
RAW_CORPUS = {
    "out-of-range percentage": (lambda raw: rewrite(bps(raw, 192), set_cell("value", 150.0)),
                                "percentages are between 0 and 100", "150"),
    "unknown region code": (lambda raw: rewrite(bps(raw, 413), lambda rows: [
        {**rows[0], "vervar_id": "3599", "vervar_label": "Kabupaten Antah Berantah"}, *rows[1:]]),
        "every vervar is a known BPS region code", "Antah Berantah"),
    "duplicated rows": (lambda raw: rewrite(bps(raw, 543), lambda rows: rows + rows[:2]),
                        "one value per domain, variable, vervar, turvar, year and period", None),
    "decimal-comma string": (lambda raw: rewrite(bps(raw, 534), lambda rows: [
        {**rows[0], "value": None, "value_raw": "1.234,56"}, *rows[1:]]),
        "no decimal-comma number left unparsed", "1.234,56"),
    "negative population": (lambda raw: rewrite(bps(raw, 31), set_cell("value", -5.0)),
                            "populations are greater than zero", "-5"),
    "future year": (lambda raw: rewrite(bps(raw, 415), set_cell("year", FUTURE_YEAR)),
                    "none in the future", str(FUTURE_YEAR)),
    "renamed column": (lambda raw: pq.write_table(pq.read_table(bps(raw, 1620)).rename_columns(
        ["nilai" if c == "value" else c for c in pq.read_table(bps(raw, 1620)).column_names]), bps(raw, 1620)),
        "exactly the landing-zone columns", None),     # the column's name: test_renamed_column_is_named...
    "empty extraction": (lambda raw: [rewrite(p, lambda rows: []) for p in raw.glob("ckan/packages/*/*/data.parquet")],
                         "the CKAN packages are not empty", None),
}


@pytest.fixture(scope="module")
def raw_gate(baseline, tmp_path_factory):
    """Every raw-level bad input planted at once (each in its own partition), one raw audit."""
    from expectations.runner import QualityGateFailed

    from smartcity import pipeline
    from smartcity_base.settings import get_settings, relocated

    root = tmp_path_factory.mktemp("raw_corpus")
    clone_root(baseline.root, root)
    raw = root / "data" / "raw"
    for plant, _, _ in RAW_CORPUS.values():
        plant(raw)
    mp = pytest.MonkeyPatch()
    for key, value in relocated(root).items():
        mp.setenv(key, value)
    try:
        with pytest.raises(QualityGateFailed) as caught:
            pipeline.audit_raw("corpus")
        return {"message": str(caught.value), "result": caught.value.result, "settings": get_settings()}
    finally:
        mp.undo()


@pytest.mark.parametrize("case", list(RAW_CORPUS))
def test_raw_suite_catches(case, raw_gate, baseline):
    _, words, value = RAW_CORPUS[case]
    failed = [r for r in raw_gate["result"].critical_failures if words in r.description]
    assert failed, f"{case}: no critical failure '{words}' in:\n{raw_gate['message']}"
    line = next(line for line in raw_gate["message"].splitlines() if words in line)
    assert line.lstrip().startswith("- suite 'raw_"), line          # names the suite ...
    assert "observed:" in line                                     # ... and what was seen
    if value is not None:
        assert value in line, f"{case}: the message does not show the offending value {value!r}: {line}"
    assert file_sha(raw_gate["settings"].published_path) == baseline.published_sha


def test_renamed_column_is_named_in_the_message(raw_gate):
    line = next(line for line in raw_gate["message"].splitlines() if "exactly the landing-zone columns" in line)
    assert "nilai" in line, line


def test_raw_gate_message_is_plain_and_says_nothing_was_published(raw_gate, baseline):
    message = raw_gate["message"]
    assert "the candidate is not published and the last good warehouse stays served" in message
    assert "Traceback" not in message and baseline.bps_key not in message


def test_missing_year_is_caught_by_the_raw_suite_and_by_the_dbt_contract(clone, baseline):
    """A BPS row without a year: the raw gate fails (on the year column), and should that gate be skipped,
    dbt's model contract (NOT NULL year on fct_indicator_value) stops the build: nothing is published."""
    from expectations.runner import QualityGateFailed

    from smartcity import pipeline
    from smartcity.transform import TransformFailed

    rewrite(bps(clone.raw_dir, 414), set_cell("year", None))
    with pytest.raises(QualityGateFailed) as raw_error:
        pipeline.audit_raw("missing_year")
    assert "year" in str(raw_error.value)
    with pytest.raises(TransformFailed) as dbt_error:
        pipeline.build_candidate("missing_year")
    assert "fct_indicator_value" in str(dbt_error.value) and '"year"' in str(dbt_error.value)
    assert file_sha(clone.published_path) == baseline.published_sha


@pytest.fixture(scope="module")
def mart_gate(baseline, tmp_path_factory):
    """Spreadsheet landing with an out-of-range percentage, duplicated rows and a row without a year: the
    raw spreadsheet suite stops the run first; with that gate bypassed (defence in depth), dbt builds
    and the mart suite still decides."""
    from expectations.runner import QualityGateFailed

    from smartcity import pipeline
    from smartcity_base.settings import get_settings, relocated

    root = tmp_path_factory.mktemp("mart_corpus")
    clone_root(baseline.root, root)
    raw = root / "data" / "raw"
    sn03 = next(raw.glob("spreadsheet/*/file=Persentase_sampah_tertangani.xlsx/data.parquet"))
    original = pq.read_table(sn03).to_pylist()
    rewrite(sn03, lambda rows: [{**rows[0], "value": 250.0}, {**rows[1], "year": None}, *rows[2:], *rows[2:5]])
    mp = pytest.MonkeyPatch()
    for key, value in relocated(root).items():
        mp.setenv(key, value)
    try:
        with pytest.raises(QualityGateFailed) as raw_caught:
            pipeline.audit_raw("mart_corpus")
        candidate = pipeline.build_candidate("mart_corpus")["candidate"]
        with pytest.raises(QualityGateFailed) as caught:
            pipeline.audit_candidate(candidate, "mart_corpus")
        return {"message": str(caught.value), "raw_message": str(raw_caught.value), "candidate": candidate,
                "settings": get_settings(), "missing_year_row": original[1]}
    finally:
        mp.undo()


def test_bad_spreadsheet_rows_are_caught_by_the_raw_spreadsheet_suite(mart_gate):
    raw = mart_gate["raw_message"]
    assert any("suite 'raw_spreadsheet'" in line and "250.0" in line for line in raw.splitlines()), raw
    assert "every spreadsheet value has a year" in raw, raw


def test_out_of_range_spreadsheet_value_is_caught_by_the_mart_suite(mart_gate, baseline):
    message = mart_gate["message"]
    line = next((line for line in message.splitlines() if "250.0" in line), None)
    assert line is not None, message
    assert "suite 'marts'" in line and "between 0 and 100" in line and "SN03" in line, line
    assert file_sha(mart_gate["settings"].published_path) == baseline.published_sha


def test_duplicated_spreadsheet_rows_do_not_duplicate_mart_keys(mart_gate):
    con = duckdb.connect(mart_gate["candidate"], read_only=True)
    try:
        total, keys = con.execute("select count(*), count(distinct (region_code, indicator_code, year, source)) "
                                  "from marts.fct_indicator_value").fetchone()
    finally:
        con.close()
    assert total == keys


def test_spreadsheet_row_without_a_year_is_reported_not_dropped(mart_gate):
    """The row that lost its year is named, by its region, either in the gate's message or as an
    unresolved spreadsheet row of its own (not just any unresolved row anywhere)."""
    row = mart_gate["missing_year_row"]
    con = duckdb.connect(mart_gate["candidate"], read_only=True)
    try:
        reported = con.execute("""select reason, n_rows from marts.fct_unresolved_rows
                                  where source = 'spreadsheet' and (key_name = ? or key_code = ?)
                                    and first_year is null""",
                               [row["region_name"], row.get("region_code")]).fetchall()
    finally:
        con.close()
    in_gate = any("year" in line and row["region_name"] in line for line in mart_gate["message"].splitlines())
    assert in_gate or reported, (mart_gate["message"], reported)
    if reported:
        assert all("year" in reason for reason, _ in reported), reported
