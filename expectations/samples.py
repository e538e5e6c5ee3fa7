"""Small synthetic warehouses shaped like the contract's marts, for tests, benchmarks and demos of the
gate and the publish step (not used by the pipeline)."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence

from smartcity_base import reference

DEFAULT_INDICATORS = ("SE01", "SE03", "SE04", "SE05", "SL05", "SL06", "SL07", "SS02", "SS03", "SN05")


def build_sample_warehouse(path: str | Path, years: Sequence[int] = tuple(range(2010, 2025)),
                           indicators: Sequence[str] = DEFAULT_INDICATORS, seed: int = 0,
                           version: int = 1, extra_tables: bool = False) -> Path:
    """A DuckDB file with `marts.dim_region` (514 rows) and `marts.fct_indicator_value` (514 x indicators x
    years, source 'bps', values 0-90). `version` is stored in `marts.build_info` so readers can tell
    publishes apart. Overwrites `path`."""
    import duckdb
    import pandas as pd

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    rng = random.Random(seed)
    regions = reference.regions()
    dim = pd.DataFrame({
        "region_code": [r["kode_kemendagri"] for r in regions],
        "region_name": [r["nama"] for r in regions],
        "region_type": [r["jenis"] for r in regions],
        "province_code": [r["kode_provinsi"] for r in regions],
        "peer_group": [r["jenis"].lower() for r in regions],
    })
    cohorts: dict[str, int] = {}
    for p in reference.participants():
        if p["kode_kemendagri"]:
            cohorts[p["kode_kemendagri"]] = min(int(p["tahun_kohort"]), cohorts.get(p["kode_kemendagri"], 9999))
    dim["cohort_year"] = pd.array([cohorts.get(c) for c in dim["region_code"]], dtype="Int64")
    dim["is_participant"] = dim["cohort_year"].notna()
    codes = dim["region_code"].tolist()
    n = len(codes) * len(indicators) * len(years)
    fact = pd.DataFrame({
        "region_code": [c for c in codes for _ in indicators for _ in years],
        "indicator_code": [i for _ in codes for i in indicators for _ in years],
        "year": [y for _ in codes for _ in indicators for y in years],
        "value": [round(rng.random() * 90, 3) for _ in range(n)],
        "source": ["bps"] * n,
        "as_of_date": pd.to_datetime(["2025-01-31"] * n).date,
        "manifest_id": [f"manifest-{version}"] * n,
    })
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.register("dim", dim)
        con.register("fact", fact)
        con.execute("create table marts.dim_region as select * from dim")
        con.execute("create table marts.fct_indicator_value as select region_code, indicator_code, "
                    "cast(year as integer) as year, value, source, cast(as_of_date as date) as as_of_date, "
                    "manifest_id from fact")
        con.execute(f"create table marts.build_info as select {int(version)} as version, "
                    f"{n} as fact_rows")
        if extra_tables:
            _add_extra_tables(con)
        con.unregister("dim")
        con.unregister("fact")
        con.execute("checkpoint")
    finally:
        con.close()
    return path


def _measure_ranks(score: str, measure: str) -> str:
    """The warehouse's per-measure ranks and change: ranked only where the measure exists."""
    parts = {"national": "", "in_province": ", province_code", "in_peer_group": ", peer_group"}
    cols = [f"cast(case when {score} is not null then rank() over (partition by year{p}, ({score} is null)"
            f" order by {score} desc) end as integer) as {measure}_rank_{name}" for name, p in parts.items()]
    cols.append(f"cast(case when {score} is not null and cohort_year is not null then rank() over (partition by"
                f" year, cohort_year, ({score} is null) order by {score} desc) end as integer)"
                f" as {measure}_rank_in_cohort")
    cols.append(f"{score} - lag({score}) over (partition by region_code order by year) as {score}_change")
    return ",\n               ".join(cols)


def _add_extra_tables(con) -> None:
    """fct_smart_city_index, fct_data_completeness, dim_program_participation with the warehouse's columns."""
    con.execute("""create table marts.fct_smart_city_index as
        with base as (
            select d.region_code, y.year, d.province_code, d.peer_group,
                   cast(d.cohort_year as integer) as cohort_year,
                   coalesce(d.cohort_year <= y.year, false) as is_participant,
                   round(hash(d.region_code || y.year) % 10000 / 100.0, 2) as indicator_index,
                   case when d.cohort_year <= y.year then round(hash(y.year || d.region_code) % 500 / 100.0, 2)
                   end as evaluation_index
            from marts.dim_region d cross join (select unnest(range(2018, 2024)) as year) y),
        scored as (select * from base)
        select *, """ + _measure_ranks("indicator_index", "indicator") + ", "
                + _measure_ranks("evaluation_index", "evaluation") + """
                from scored""")
    con.execute("""create table marts.fct_data_completeness as
        select region_code, 'bps' as source, year, 10 as n_indicators_expected,
               count(*) as n_indicators_present, count(*) / 10.0 as coverage_ratio, false as is_stale
        from marts.fct_indicator_value group by all""")
    con.execute("""create table marts.dim_program_participation as
        select d.region_code, y.year, cast(d.cohort_year as integer) as cohort_year,
               case when d.cohort_year is null then 'never' when d.cohort_year <= y.year then 'participant'
                    else 'not_yet' end as participation_status,
               coalesce(d.cohort_year <= y.year, false) as is_participant
        from marts.dim_region d cross join (select unnest(range(2015, 2025)) as year) y""")
