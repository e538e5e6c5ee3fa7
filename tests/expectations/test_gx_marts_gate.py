"""The mart suites: good data passes, planted bad data fails with a message naming suite, expectation,
observed value and offending rows; warnings do not block; results land in quality.validation_results."""
from __future__ import annotations

import json

import duckdb
import pytest

from expectations import runner

FACT = "marts.fct_indicator_value"


def audit(path, tmp_path, run_id="run-1"):
    return runner.audit(path, run_id=run_id, docs_dir=tmp_path / "docs", state_dir=tmp_path / "state")


def test_good_data_passes_builds_docs_and_records(good_warehouse, tmp_path):
    result = audit(good_warehouse, tmp_path)
    assert result.success, result.message()
    result.raise_for_critical()
    assert result.docs_index == tmp_path / "docs" / "index.html" and result.docs_index.exists()
    assert "marts.fct_indicator_value" in result.docs_index.read_text()
    tables = {r.table_name for r in result.results}
    assert {"marts.dim_region", FACT} <= tables
    assert all(r.severity in ("critical", "warning") for r in result.results)
    summary = result.summary()
    assert summary["failed"] == 0 and summary["passed"] == len(result.results)
    json.dumps(summary)

    written = runner.record_results(good_warehouse, result)
    assert written == len(result.results)
    second = audit(good_warehouse, tmp_path, run_id="run-2")
    runner.record_results(good_warehouse, second)
    con = duckdb.connect(str(good_warehouse), read_only=True)
    try:
        rows = con.execute("select run_id, count(*), bool_and(success) from quality.validation_results "
                           "group by run_id order by run_id").fetchall()
        cols = [r[0] for r in con.execute("describe quality.validation_results").fetchall()]
    finally:
        con.close()
    assert rows == [("run-1", len(result.results), True), ("run-2", len(second.results), True)]
    for col in ("run_id", "validated_at", "suite", "table_name", "expectation", "severity", "success",
                "observed_value", "unexpected_count", "unexpected_sample"):
        assert col in cols


BAD_DATA = {
    "out_of_range": (
        f"update {FACT} set value = 150 where region_code = '11.01' and indicator_code = 'SE03' and year = 2020",
        "between 0 and 100", ["150", "11.01", "SE03", "2020"]),
    "duplicate_key": (
        f"insert into {FACT} select * from {FACT} where region_code = '16.05' and indicator_code = 'SE05' "
        "and year = 2019",
        "one value per region, indicator and year", ["16.05", "SE05", "2019"]),
    "unknown_region": (
        f"update {FACT} set region_code = '99.99' where region_code = '11.01' and year = 2015 "
        "and indicator_code = 'SE01'",
        "514 Kemendagri", ["99.99"]),
    "future_year": (
        f"update {FACT} set year = 2099 where region_code = '12.01' and indicator_code = 'SE03' and year = 2024",
        "none in the future", ["2099", "12.01"]),
    "missing_region": (
        f"delete from {FACT} where region_code = '94.04' and indicator_code = 'SL05'",
        "every one of the 514 regions has values for BPS indicator SL05", ["94.04"]),
    "empty_fact_table": (f"delete from {FACT}", "the fact table is not empty", ["observed: 0"]),
    "null_value": (
        f"update {FACT} set value = null where region_code = '35.71' and indicator_code = 'SE04' and year = 2016",
        "every row has a value", ["35.71", "SE04"]),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_planted_bad_data_blocks_with_a_clear_message(case, good_warehouse, sql, tmp_path):
    statement, expectation_words, observed_words = BAD_DATA[case]
    sql(statement)
    result = audit(good_warehouse, tmp_path)
    assert not result.success
    with pytest.raises(runner.QualityGateFailed) as info:
        result.raise_for_critical()
    message = str(info.value)
    assert "suite 'marts'" in message and FACT in message
    assert expectation_words in message, message
    for word in observed_words:
        assert word in message, (word, message)
    failed = result.critical_failures
    assert any(expectation_words in f.description for f in failed)
    assert info.value.result is result


def test_warnings_do_not_block(good_warehouse, sql, tmp_path):
    sql(f"update {FACT} set manifest_id = null where year = 2012")
    result = audit(good_warehouse, tmp_path)
    assert result.success
    result.raise_for_critical()
    assert [w.column_name for w in result.warnings] == ["manifest_id"]
    runner.record_results(good_warehouse, result)
    con = duckdb.connect(str(good_warehouse), read_only=True)
    try:
        row = con.execute("select severity, success, unexpected_count, unexpected_sample from "
                          "quality.validation_results where not success").fetchall()
    finally:
        con.close()
    assert len(row) == 1 and row[0][0] == "warning" and row[0][1] is False and row[0][2] == 514 * 10
    sample = json.loads(row[0][3])
    assert sample and sample[0]["year"] == 2012 and "region_code" in sample[0]


def test_missing_required_table_is_critical_and_optional_tables_skip(tmp_path):
    path = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.dim_region as select '11.01' as region_code")
    con.close()
    result = audit(path, tmp_path)
    assert not result.success
    names = {f.table_name for f in result.critical_failures}
    assert names == {"marts.dim_region", FACT}   # dim_region: 1 row instead of 514; fact table missing
    assert "table is missing" in result.message()


def test_index_completeness_and_participation_tables(tmp_path):
    from expectations.samples import build_sample_warehouse

    path = build_sample_warehouse(tmp_path / "c.duckdb", extra_tables=True)
    good = audit(path, tmp_path)
    assert good.success, good.message()
    checked = {r.table_name for r in good.results}
    assert {"marts.fct_smart_city_index", "marts.fct_data_completeness",
            "marts.dim_program_participation"} <= checked
    descriptions = {r.description for r in good.results}
    assert "indicator_rank_in_cohort runs 1..n without gaps within each year/cohort_year" in descriptions
    assert "indicator_rank_national agrees with indicator_index (1 = highest) within each year" in descriptions
    assert "evaluation_rank_national agrees with evaluation_index (1 = highest) within each year" in descriptions

    con = duckdb.connect(str(path))
    con.execute("update marts.fct_smart_city_index set indicator_rank_national = indicator_rank_national + 1 "
                "where year = 2020 and indicator_rank_national >= 10")
    con.execute("update marts.fct_smart_city_index set evaluation_index = 7.5 where region_code = '16.05' "
                "and year = 2022")
    con.execute("update marts.fct_data_completeness set coverage_ratio = 0.1")
    con.execute("update marts.dim_program_participation set cohort_year = null "
                "where region_code = '35.71' and year = 2020")
    con.close()
    result = audit(path, tmp_path)
    failed = {f.description for f in result.critical_failures}
    assert "indicator_rank_national runs 1..n without gaps within each year" in failed
    assert "indicator_rank_national agrees with indicator_index (1 = highest) within each year" in failed
    assert "evaluation_index is between 0 and 5 as defined" in failed
    assert "no participant without a cohort year" in failed
    assert any("coverage_ratio is at least 0.5" in w.description for w in result.warnings)
    message = result.message()
    assert "7.5" in message and "16.05" in message and "35.71" in message and "year=2020" in message


def test_absent_optional_tables_are_not_validated(good_warehouse, tmp_path):
    result = audit(good_warehouse, tmp_path)
    assert not any("smart_city_index" in r.table_name for r in result.results)
