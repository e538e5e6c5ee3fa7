"""dbt build on the synthetic landing zone into a temporary DuckDB file: row counts and values."""
from __future__ import annotations

import pytest

from conftest import run_dbt

MARTS = ["dim_region", "dim_region_code_map", "dim_indicator", "dim_dimension", "dim_evaluation_weight",
         "dim_program_participation", "fct_indicator_value", "fct_dimension_score", "fct_smart_city_index",
         "fct_program_progress", "fct_program_impact", "fct_data_completeness", "fct_open_data_activity",
         "fct_unresolved_rows"]


def test_build_passes_models_tests_and_unit_tests(duckdb_build):
    results = duckdb_build.run.results()
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass", "no-op")]
    assert not failed, failed
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 4 and all(r["status"] == "pass" for r in unit)
    built = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    assert set(MARTS) <= built


def test_marts_have_enforced_contracts_and_described_columns(duckdb_build):
    manifest = duckdb_build.run.manifest()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] in MARTS:
            assert node["config"]["contract"]["enforced"], node["name"]
            assert node["schema"] == "marts"
            for col in node["columns"].values():
                assert col["description"].strip(), f"{node['name']}.{col['name']} has no description"
                assert col["data_type"], f"{node['name']}.{col['name']} has no data_type"


def test_dim_region_has_514_regions_with_both_codes(duck):
    n, n_bps, kab, kota = duck.execute(
        "select count(*), count(distinct bps_code), count(*) filter (where peer_group = 'kabupaten'),"
        " count(*) filter (where peer_group = 'kota') from marts.dim_region").fetchone()
    assert (n, n_bps, kab, kota) == (514, 514, 416, 98)
    assert duck.execute("select cohort_year, region_code_2021 from marts.dim_region where region_code = '94.04'"
                        ).fetchone() == (2017, "91.09")


def test_code_map_sends_old_and_bps_codes_to_kemendagri(duck):
    rows = dict(duck.execute(
        "select key_type || ':' || key_value, region_code from marts.dim_region_code_map"
        " where key_value in ('91.09', '9109', '9412', '1605')").fetchall())
    assert rows["kemendagri:91.09"] == "94.04"   # Mimika before the 2022 split
    assert rows["kemendagri:9109"] == "94.04"
    assert rows["bps:9412"] == "94.04"           # BPS code of Mimika
    assert rows["bps:1605"] == "16.05"


def test_bps_indicators_cover_all_514_regions(duck, landing):
    for code in landing.truth.bps_indicators:
        n_regions, n_rows = duck.execute(
            "select count(distinct region_code), count(*) from marts.fct_indicator_value"
            " where indicator_code = ? and source = 'bps'", [code]).fetchone()
        assert n_regions == 514, code
        assert n_rows == 514 * 10, code


def test_bps_values_equal_the_planted_values(duck, landing):
    """Every BPS value, after the BPS->Kemendagri crosswalk, domain de-duplication, total turvar and
    period alignment (annual preferred, mean of months), equals what was planted."""
    got = {(r, c, y): v for r, c, y, v in duck.execute(
        "select region_code, indicator_code, year, value from marts.fct_indicator_value where source = 'bps'"
    ).fetchall()}
    expected = landing.truth.values
    assert set(got) == set(expected)
    worst = max(abs(got[k] - expected[k]) for k in expected)
    assert worst < 1e-6
    # the named traps
    for check in ("annual_override", "pinrang"):
        region, code, year, value = landing.truth.checks[check]
        assert got[(region, code, year)] == pytest.approx(value)
    manifests = duck.execute("select count(*) from marts.fct_indicator_value where manifest_id is null").fetchone()
    assert manifests == (0,)


def test_spreadsheet_keys_resolve_and_per_capita_uses_population(duck, landing):
    for check in ("old_code", "by_name", "per_capita"):
        region, code, year, value = landing.truth.checks[check]
        row = duck.execute("select value, source from marts.fct_indicator_value"
                           " where region_code = ? and indicator_code = ? and year = ?",
                           [region, code, year]).fetchone()
        assert row is not None, check
        assert row[0] == pytest.approx(value, rel=1e-9), check
        assert row[1] == "spreadsheet"


def test_unresolved_rows_are_counted_not_dropped(duck):
    rows = {(s, d, reason, key): n for s, d, reason, key, n in duck.execute(
        "select source, dataset, reason, coalesce(key_code, key_name), n_rows from marts.fct_unresolved_rows"
    ).fetchall()}
    assert rows[("bps", "observations", "unresolved_unknown_key", "1699")] == 10
    assert rows[("bps", "observations", "aggregate_level", "1600")] == 10
    assert rows[("spreadsheet", "indicators", "unresolved_ambiguous_name", "Bandung")] == 1
    assert rows[("spreadsheet", "indicators", "unresolved_unknown_key", "99.99")] == 1
    assert rows[("ckan", "packages", "unresolved_unknown_key", "kemenkes")] == 1
    assert rows[("ckan", "packages", "unresolved_province_level", "dinas-kominfo-provinsi-jawa-timur")] == 1
    assert rows[("regency", "programs", "unresolved_unknown_key", "Kabupaten Antah")] == 1


def test_evaluation_index_uses_that_years_weight_version(duck, landing):
    for (region, year), (value, version) in landing.truth.checks["evaluation"].items():
        got = duck.execute("select evaluation_index, weight_version, is_evaluation_complete"
                           " from marts.fct_smart_city_index where region_code = ? and year = ?",
                           [region, year]).fetchone()
        assert got == (pytest.approx(value), version, True), (region, year)
    # 2022 is weight version B, 2021 version A: the change is not comparable and says so
    change, status = duck.execute("select evaluation_index_change, evaluation_change_status"
                                  " from marts.fct_smart_city_index"
                                  " where region_code = '35.71' and year = 2022").fetchone()
    assert (change, status) == (None, "weight_version_changed")


def test_index_ranks_are_dense_and_complete(duck):
    n, n_ranked, best = duck.execute(
        "select count(*), count(indicator_rank_national), min(indicator_rank_national)"
        " from marts.fct_smart_city_index where year = 2023").fetchone()
    assert n == 514 and n_ranked == 514 and best == 1
    # within-group ranks restart at 1 in every province and peer group
    assert duck.execute("select count(*) from (select province_code from marts.fct_smart_city_index"
                        " where year = 2023 group by 1 having min(indicator_rank_in_province) <> 1)").fetchone() == (0,)
    assert duck.execute("select count(distinct peer_group) from marts.fct_smart_city_index"
                        " where year = 2023 and indicator_rank_in_peer_group = 1").fetchone() == (2,)
    assert duck.execute("select count(*) from marts.fct_smart_city_index where cohort_year is null"
                        " and (indicator_rank_in_cohort is not null or evaluation_rank_in_cohort is not null)"
                        ).fetchone() == (0,)
    # evaluation ranks exist only for complete evaluations and rank the evaluation index alone
    assert duck.execute("select count(*) from marts.fct_smart_city_index where evaluation_rank_national"
                        " is not null and not is_evaluation_complete").fetchone() == (0,)
    n_eval, n_eval_ranked = duck.execute(
        "select count(*) filter (where is_evaluation_complete), count(evaluation_rank_national)"
        " from marts.fct_smart_city_index").fetchone()
    assert n_eval > 0 and n_eval_ranked == n_eval
    # a change is never reported across incomparable years
    assert duck.execute("select count(*) from marts.fct_smart_city_index where"
                        " (evaluation_index_change is not null and evaluation_change_status <> 'comparable')"
                        " or (indicator_index_change is not null and indicator_change_status <> 'comparable')"
                        ).fetchone() == (0,)


def test_dimension_scores_cover_every_region_year_dimension(duck):
    n, lo, hi = duck.execute("select count(*), min(dimension_score), max(dimension_score)"
                             " from marts.fct_dimension_score").fetchone()
    assert n == 514 * 10 * 6
    assert 0 <= lo and hi <= 100


def test_program_impact_recovers_the_planted_effect(duck, landing):
    rows = {r[0]: r[1:] for r in duck.execute(
        "select indicator_code, did_estimate, ci_lower, ci_upper, n_regions, effect_assessment"
        " from marts.fct_program_impact where row_type = 'overall'").fetchall()}
    for code, effect in landing.truth.effects.items():
        did, lo, hi, n, assessment = rows[code]
        assert abs(did - effect) <= 0.10 * abs(effect), (code, did, effect)
        assert lo <= effect <= hi and not (lo <= 0 <= hi), (code, lo, hi)
        assert n >= 50 and assessment == "improved"
    for code in landing.truth.no_effect:
        did, lo, hi, n, assessment = rows[code]
        assert lo <= 0 <= hi, (code, did, lo, hi)
        assert assessment == "no_detectable_effect"


def test_program_impact_rows_event_study_q_values_and_gaps(duck):
    kinds = dict(duck.execute("select row_type, count(*) from marts.fct_program_impact group by 1").fetchall())
    assert {"group_time", "event_study", "cohort", "pre_trend", "overall", "overall_pre_trend"} <= set(kinds)
    # the 2022-2024 cohorts have no (or too few) years after joining for some series: said, not dropped
    reasons = dict(duck.execute("select not_estimable_reason, count(*) from marts.fct_program_impact"
                                " where row_type = 'not_estimable' group by 1").fetchall())
    assert reasons and set(reasons) <= {"no_participants_with_data", "no_pre_period", "no_post_period",
                                        "too_few_participants", "too_few_controls"}
    # every series x cohort has a cohort row or a not_estimable row
    assert duck.execute("""select count(*) from (select distinct indicator_code from marts.fct_program_impact) s
        cross join marts.dim_cohort c where not exists (select 1 from marts.fct_program_impact f
        where f.indicator_code = s.indicator_code and f.cohort_year = c.cohort_year
        and f.row_type in ('cohort', 'not_estimable'))""").fetchone() == (0,)
    # q-values: BH over all rows with a p-value; significance on q
    n_p, bad_q, sig_mismatch = duck.execute(
        "select count(p_value), count(*) filter (where q_value < p_value - 1e-6 or q_value > 1),"
        " count(*) filter (where is_significant <> coalesce(q_value < 0.05, false))"
        " from marts.fct_program_impact").fetchone()
    assert n_p > 100 and bad_q == 0 and sig_mismatch == 0
    # dimension scores and the indicator index are estimated too, with name, unit and direction
    series = dict(duck.execute("select series_type, count(distinct indicator_code) from marts.fct_program_impact"
                               " where indicator_name is not null and unit is not null group by 1").fetchall())
    n_dims = duck.execute("select count(distinct dimension_code) from marts.fct_dimension_score"
                          " where dimension_score is not null").fetchone()[0]
    assert series["dimension_score"] == n_dims >= 3 and series["indicator_index"] == 1 and series["indicator"] >= 5
    # the public list is in use here: the controls may hold hidden participants, and the rows say so
    assert duck.execute("select min(control_pool_hidden_max), max(control_pool_hidden_max)"
                        " from marts.fct_program_impact").fetchone() == (101, 101)


def test_participation_completeness_open_data_and_progress(duck, landing):
    # 2017 (25 + Lombok Timur), 2018 (50) and 2019 (25) lists; Banyumas and Kota Depok are in 2018 and 2019
    assert duck.execute("select count(*), count(*) filter (where participation_status = 'participant')"
                        " from marts.dim_program_participation where year = 2019").fetchone() == (514, 99)
    assert duck.execute("select count(*) from marts.fct_data_completeness").fetchone() == (514 * 4 * 10,)
    bps = duck.execute("select min(coverage_ratio), max(coverage_ratio) from marts.fct_data_completeness"
                       " where source = 'bps'").fetchone()
    assert 0 < bps[0] <= bps[1] <= 1
    sg06 = dict(duck.execute("select year, value from marts.fct_indicator_value"
                             " where region_code = '35.71' and indicator_code = 'SG06'").fetchall())
    for year, value in landing.truth.checks["sg06_kediri"].items():
        assert sg06[year] == value, year
    assert duck.execute("select n_datasets_published from marts.fct_open_data_activity"
                        " where region_code = '16.03' and year = 2022").fetchone() == (
        landing.truth.checks["open_data_muaraenim_2022"],)
    pct = {(sys_, item): p for sys_, item, p in duck.execute(
        "select system, item_id, realisation_pct from marts.fct_program_progress"
        " where item_type = 'masterplan_program'").fetchall()}
    assert pct == landing.truth.checks["program_pct"]
    assert duck.execute("select region_code from marts.fct_program_progress where system = 'kota-kediri'"
                        ).fetchone() == ("35.71",)
    pg06 = dict(duck.execute("select year, value from marts.fct_indicator_value"
                             " where region_code = '35.71' and indicator_code = 'PG06'").fetchall())
    assert pg06 == landing.truth.checks["pg06_kediri"]


def test_docs_generate(duckdb_build):
    run = run_dbt(["docs", "generate", "--target", "duckdb"], env=duckdb_build.env, work=duckdb_build.work,
                  name="docs")
    assert run.returncode == 0, run.output[-3000:]
    assert (run.target_path / "catalog.json").exists() and (run.target_path / "index.html").exists()


def test_evaluation_score_mart_has_every_evaluated_participant_year(duck, landing):
    missing = duck.execute("select count(*) from intermediate.int_evaluation_index as e"
                           " left join marts.fct_evaluation_score as f using (region_code, year)"
                           " where f.region_code is null").fetchone()[0]
    assert missing == 0
    for (region, year), (value, version) in landing.truth.checks["evaluation"].items():
        got = duck.execute("select evaluation_index, weight_version, n_components_scored, source_file_name"
                           " from marts.fct_evaluation_score where region_code = ? and year = ?",
                           [region, year]).fetchone()
        assert got[:3] == (pytest.approx(value), version, 5), (region, year)
        assert got[3], (region, year)
    # Kota Kediri 2022: the overall index as the document published it sits beside the recomputed one
    reported, = duck.execute("select reported_overall_index from marts.fct_evaluation_score"
                             " where region_code = '35.71' and year = 2022").fetchone()
    assert reported == pytest.approx(3.31)


def test_participation_as_the_sources_know_it(duck):
    # every region the public list names, with its source status; the others are not known, not "never"
    named, statuses, unknown, never = duck.execute(
        "select count(*) filter (where cohort_year is not null),"
        " count(*) filter (where source_status is not null),"
        " count(*) filter (where participation_status = 'not_known'),"
        " count(*) filter (where participation_status = 'never')"
        " from marts.dim_program_participation where year = 2024").fetchone()
    assert (named, statuses, unknown, never) == (151, 151, 514 - 151, 0)
    # joined twice: Kota Semarang in 2017 and 2021 -> joining year 2017, named by two cohorts
    assert duck.execute("select cohort_year, n_cohorts_named, source_status from marts.dim_program_participation"
                        " where region_code = '33.74' and year = 2024").fetchone() == (2017, 2, "published_list")
    # Mimika, listed under its 2017 code 91.09, is 94.04
    assert duck.execute("select cohort_year from marts.dim_region where region_code = '94.04'").fetchone() == (2017,)
    cohorts = {r[0]: r[1:] for r in duck.execute(
        "select cohort_year, official_size, n_named, n_not_named, list_completeness, list_source,"
        " control_pool_hidden_max from marts.dim_cohort").fetchall()}
    hidden = 0 + 0 + 0 + (48 - 25) + (50 - 7) + (50 - 15) + 0
    assert cohorts[2017] == (25, 26, 0, "complete", "public_reference", hidden)
    assert cohorts[2018] == (50, 50, 0, "complete", "public_reference", hidden)
    assert cohorts[2021][:4] == (48, 25, 23, "partial")
    assert cohorts[2022][:4] == (50, 7, 43, "partial")
    assert cohorts[2023][:4] == (50, 15, 35, "partial")
    assert cohorts[2024][:4] == (10, 11, 0, "complete")
