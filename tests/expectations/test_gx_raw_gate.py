"""Raw-boundary suites over landing-zone Parquet: schema, region codes, ranges, keys, decimal commas,
row counts against the previous run."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from expectations import runner
from smartcity_base import reference

from extractors.bps import OBSERVATION_SCHEMA
from extractors.landing import META_FIELDS

BPS_SCHEMA = pa.schema(list(OBSERVATION_SCHEMA) + META_FIELDS)  # what the extractor lands


def bps_rows(var_id=184, unit="Persen", n_regions=60, years=(2020, 2021, 2022)):
    regions = [r for r in reference.regions()][:n_regions]
    now = datetime.now(timezone.utc)
    rows = []
    for r in regions:
        for y in years:
            value = round(10 + (int(r["kode_bps_2018"]) % 50) + y % 7, 2)
            rows.append({"domain_id": "0000", "var_id": str(var_id), "var_label": "Persentase penduduk miskin",
                         "unit": unit, "vervar_id": r["kode_bps_2018"], "vervar_label": r["nama_bps_2018"],
                         "turvar_id": "0", "turvar_label": "Tidak ada", "year": y, "turtahun_id": "0",
                         "turtahun_label": "Tahun", "month": None, "value": value,
                         "value_raw": f"{value}".replace(".", ","), "region_code": r["kode_kemendagri"],
                         "_manifest_id": "m-1", "_extracted_at": now})
    return rows


def write_bps(raw, rows, var_id=184, schema=BPS_SCHEMA):
    folder = raw / "bps" / "observations" / "domain=0000" / f"var={var_id}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "data.parquet")


def write_ckan(raw, n=20, portal="jatim"):
    folder = raw / "ckan" / "packages" / f"portal={portal}" / "batch=0"
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    rows = [{"portal": portal, "package_id": f"pkg-{i}", "name": f"data-{i}", "title": f"Data {i}",
             "organization_name": "diskominfo", "organization_title": "Diskominfo",
             "metadata_created": "2023-01-01T00:00:00", "metadata_modified": "2024-05-01T10:00:00",
             "num_resources": i % 3, "resources_json": "[]", "_manifest_id": "m-2", "_extracted_at": now}
            for i in range(n)]
    pq.write_table(pa.Table.from_pylist(rows), folder / "data.parquet")


@pytest.fixture
def raw(tmp_path):
    raw = tmp_path / "raw"
    write_bps(raw, bps_rows())
    write_ckan(raw)
    return raw


def audit_raw(raw, tmp_path, run_id="raw-1"):
    return runner.audit_raw(raw, run_id=run_id, docs_dir=tmp_path / "docs", state_dir=tmp_path / "state")


def test_good_landing_zone_passes_and_sets_the_baseline(raw, tmp_path):
    result = audit_raw(raw, tmp_path)
    assert result.success, result.message()
    assert {r.suite for r in result.results} == {"raw_bps", "raw_ckan"}
    assert (tmp_path / "docs" / "index.html").exists()
    state = json.loads((tmp_path / "state" / "raw_row_counts.json").read_text())
    assert state["bps/observations"]["rows"] == 180 and state["ckan/packages"]["rows"] == 20


def test_raw_results_are_recorded_with_the_mart_results_of_the_same_run(raw, tmp_path):
    from expectations.samples import build_sample_warehouse

    audit_raw(raw, tmp_path, run_id="run-7")
    candidate = build_sample_warehouse(tmp_path / "c.duckdb")
    marts = runner.audit(candidate, run_id="run-7", docs_dir=tmp_path / "docs", state_dir=tmp_path / "state")
    runner.record_results(candidate, marts, state_dir=tmp_path / "state")
    con = duckdb.connect(str(candidate), read_only=True)
    suites = dict(con.execute("select suite, count(*) from quality.validation_results where run_id = 'run-7' "
                              "group by suite").fetchall())
    con.close()
    assert set(suites) == {"marts", "raw_bps", "raw_ckan"}
    assert not list((tmp_path / "state" / "pending").glob("*.json"))


def _bad(rows, **changes):
    idx = changes.pop("index", 0)
    rows[idx].update(changes)
    return rows


@pytest.mark.parametrize("case,mutate,words", [
    ("out_of_range", lambda rows: _bad(rows, value=130.5, value_raw="130,5"), ["percentages", "130.5"]),
    ("unknown_region", lambda rows: _bad(rows, vervar_id="8888", vervar_label="ATLANTIS"),
     ["known BPS region", "8888", "ATLANTIS"]),
    ("future_year", lambda rows: _bad(rows, year=2099), ["future", "2099"]),
    ("duplicate", lambda rows: rows + [dict(rows[3])], ["one value per", "var_id"]),
    ("decimal_comma", lambda rows: _bad(rows, value=None, value_raw="1.234,56"), ["decimal-comma", "1.234,56"]),
])
def test_bad_bps_rows_are_caught(case, mutate, words, tmp_path):
    raw = tmp_path / "raw"
    write_bps(raw, mutate(bps_rows()))
    result = audit_raw(raw, tmp_path)
    with pytest.raises(runner.QualityGateFailed) as info:
        result.raise_for_critical()
    message = str(info.value)
    assert "suite 'raw_bps'" in message
    for word in words:
        assert word in message, (word, message)


def test_negative_population(tmp_path):
    raw = tmp_path / "raw"
    write_bps(raw, _bad(bps_rows(var_id=31, unit="Jiwa"), value=-5.0, value_raw="-5"), var_id=31)
    result = audit_raw(raw, tmp_path)
    assert any(f.description == "populations are greater than zero" for f in result.critical_failures)


def test_renamed_column_is_schema_drift(tmp_path):
    raw = tmp_path / "raw"
    rows = [{("nilai" if k == "value" else k): v for k, v in r.items()} for r in bps_rows()]
    schema = pa.schema([pa.field("nilai" if f.name == "value" else f.name, f.type) for f in BPS_SCHEMA])
    write_bps(raw, rows, schema=schema)
    result = audit_raw(raw, tmp_path)
    assert not result.success
    assert "nilai" in result.message() and "landing-zone columns" in result.message()


def test_row_count_drop_against_previous_run(raw, tmp_path):
    assert audit_raw(raw, tmp_path, run_id="r1").success
    write_bps(raw, bps_rows(n_regions=30))           # half of the rows disappeared
    result = audit_raw(raw, tmp_path, run_id="r2")
    assert [f.description for f in result.critical_failures] == [
        "the BPS observations did not drop by more than 25 % since the previous run (180 rows)"]
    assert "90" in result.message()
    # the failing run does not become the baseline
    state = json.loads((tmp_path / "state" / "raw_row_counts.json").read_text())
    assert state["bps/observations"]["rows"] == 180
    # growth beyond 25 % is only a warning
    write_bps(raw, bps_rows(n_regions=120))
    grown = audit_raw(raw, tmp_path, run_id="r3")
    assert grown.success and any("grow" in w.description for w in grown.warnings)


def test_empty_extraction_fails(raw, tmp_path):
    assert audit_raw(raw, tmp_path, run_id="r1").success
    write_bps(raw, [])
    result = audit_raw(raw, tmp_path, run_id="r2")
    assert any("are not empty" in f.description for f in result.critical_failures)


def write_spreadsheet(raw, rows):
    from extractors.landing import write_partition
    from extractors.spreadsheet import TIDY_SCHEMA  # what the extractor lands

    write_partition(raw, "spreadsheet", "indicators", {"file": "sampah"}, "run-1", rows, schema=TIDY_SCHEMA)


def write_budget(raw, rows):
    from extractors.landing import write_partition

    write_partition(raw, "regency", "budget_realisation", {"system": "monev"}, "run-1", rows)


def spreadsheet_rows():
    return [{"region_name": r["nama"], "region_code": r["kode_kemendagri"], "indicator_code": "SN03",
             "measure": None, "year": 2023, "value": 70.5} for r in reference.regions()[:30]]


def budget_rows():
    return [{"id": str(i), "region_code": "16.05", "year": "2023", "month": "12", "budget_idr": "1500000000",
             "realisation_idr": "1.234.567,89", "updated_at": "2024-01-01T00:00:00"} for i in range(10)]


def test_spreadsheet_and_regency_landings_are_audited(raw, tmp_path):
    write_spreadsheet(raw, spreadsheet_rows())
    write_budget(raw, budget_rows())
    result = audit_raw(raw, tmp_path)
    assert result.success, result.message()
    assert {r.suite for r in result.results} == {"raw_bps", "raw_ckan", "raw_spreadsheet", "raw_regency"}


@pytest.mark.parametrize("case,spreadsheet,budget,words", [
    ("future year", dict(year=2999), {}, ["spreadsheet years are not in the future", "2999"]),
    ("missing year", dict(year=None), {}, ["every spreadsheet value has a year"]),
    ("unknown region", dict(region_code="99.99"), {}, ["known Kemendagri codes", "99.99"]),
    ("percent out of range", dict(value=250.0), {}, ["percentages are between 0 and 100", "250"]),
    ("unreadable amount", {}, dict(realisation_idr="satu juta"), ["realisation_idr is an amount", "satu juta"]),
])
def test_bad_spreadsheet_and_regency_rows_are_caught(case, spreadsheet, budget, words, raw, tmp_path):
    write_spreadsheet(raw, _bad(spreadsheet_rows(), **spreadsheet))
    write_budget(raw, _bad(budget_rows(), **budget))
    result = audit_raw(raw, tmp_path)
    assert not result.success, case
    message = result.message()
    for word in words:
        assert word in message, f"{case}: {word!r} not in {message}"
