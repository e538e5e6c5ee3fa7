"""Small synthetic warehouses shaped like the contract's marts, for tests, benchmarks and demos of the
gate and the publish step (not used by the pipeline)."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence

from smartcity import reference

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
    })
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
            con.execute("""create table marts.fct_smart_city_index as
                select region_code, year, round(random() * 5, 2) as index_score,
                       cast(row_number() over (partition by year order by region_code) as integer) as rank_national
                from marts.dim_region cross join (select unnest(range(2018, 2024)) as year)""")
            con.execute("""create table marts.fct_data_completeness as
                select indicator_code, year, 0.9 as completeness from marts.fct_indicator_value
                group by all""")
        con.unregister("dim")
        con.unregister("fact")
        con.execute("checkpoint")
    finally:
        con.close()
    return path
