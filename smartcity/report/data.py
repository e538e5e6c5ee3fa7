"""What the report shows, read from the published warehouse only (never intermediate models or the
landing zone), so it cannot disagree with what BI tools see."""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb


@dataclass
class ReportData:
    version: dict
    regions: list[dict]
    index: list[dict]                       # fct_smart_city_index, every year
    dimensions: list[dict]                  # fct_dimension_score
    evaluation: list[dict]                  # fct_evaluation_score (may be empty)
    weights: list[dict]                     # dim_evaluation_weight
    programs: list[dict]                    # fct_program_progress
    impact: list[dict]                      # fct_program_impact
    cohorts: list[dict]                     # dim_cohort (may be empty)
    completeness: list[dict]                # fct_data_completeness
    indicators: list[dict]                  # dim_indicator
    latest_values: list[dict]               # per region x indicator: newest year, source, as-of date
    validations: list[dict]                 # quality.validation_results
    years: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.years = sorted({r["year"] for r in self.index if r.get("indicator_index") is not None})
        self.by_region: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for name in ("index", "dimensions", "evaluation", "programs", "completeness", "latest_values"):
            for row in getattr(self, name):
                self.by_region[row["region_code"]][name].append(row)
        self.region = {r["region_code"]: r for r in self.regions}

    @property
    def latest_year(self) -> int | None:
        return self.years[-1] if self.years else None

    def peer_stats(self) -> dict[tuple[str, int], dict]:
        """Per peer group and year: median and inter-quartile range of the indicator index."""
        groups: dict[tuple[str, int], list[float]] = defaultdict(list)
        for row in self.index:
            if row.get("indicator_index") is not None:
                groups[row["peer_group"], row["year"]].append(float(row["indicator_index"]))
        out = {}
        for key, values in groups.items():
            values.sort()
            q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
            out[key] = {"median": statistics.median(values), "q1": q[0], "q3": q[2], "n": len(values)}
        return out

    def peer_dimension_medians(self) -> dict[tuple[str, int, str], float]:
        groups: dict[tuple[str, int, str], list[float]] = defaultdict(list)
        for row in self.dimensions:
            if row.get("dimension_score") is not None:
                groups[row["peer_group"], row["year"], row["dimension_code"]].append(float(row["dimension_score"]))
        return {k: statistics.median(v) for k, v in groups.items()}


def _tables(con) -> set[tuple[str, str]]:
    return set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    # DECIMAL columns arrive as Decimal: charts and templates need plain numbers
    return [{k: float(v) if isinstance(v, Decimal) else v for k, v in zip(names, row, strict=True)}
            for row in cur.fetchall()]


def load(path: Path, version: dict) -> ReportData:
    con = duckdb.connect(str(path), read_only=True)
    try:
        have = _tables(con)

        def table(name: str, sql: str | None = None, schema: str = "marts") -> list[dict]:
            if (schema, name) not in have:
                return []
            return _rows(con, sql or f"select * from {schema}.{name}")

        return ReportData(
            version=version,
            regions=table("dim_region", "select * from marts.dim_region order by region_code"),
            index=table("fct_smart_city_index", "select * from marts.fct_smart_city_index order by region_code, year"),
            dimensions=table("fct_dimension_score"),
            evaluation=table("fct_evaluation_score",
                             "select * from marts.fct_evaluation_score order by region_code, year"),
            weights=table("dim_evaluation_weight"),
            programs=table("fct_program_progress", "select * from marts.fct_program_progress "
                                                   "order by region_code, item_type, item_name"),
            impact=table("fct_program_impact"),
            cohorts=table("dim_cohort"),
            completeness=table("fct_data_completeness"),
            indicators=table("dim_indicator", "select * from marts.dim_indicator order by indicator_code"),
            latest_values=table("fct_indicator_value", """
                select region_code, indicator_code, max(year) as latest_year,
                       arg_max(source, year) as source, max(as_of_date) as as_of_date
                from marts.fct_indicator_value where value is not null group by region_code, indicator_code"""),
            validations=table("validation_results", "select * from quality.validation_results "
                                                    "order by validated_at desc", schema="quality"),
        )
    finally:
        con.close()
