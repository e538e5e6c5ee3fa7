"""`smartcity impact --panel PANEL.csv --out RESULT.csv [--matching none|trajectory]`: the warehouse's
program-impact estimator (dbt_project/macros/impact.sql, the SQL fct_program_impact runs) on any panel.

The panel is a CSV with columns `unit,year,cohort,value` (`cohort` empty for never-treated units). The
macros are rendered with jinja2 and run in DuckDB on the CSV, so the command and the warehouse share one
estimator. With `--matching none` every never-treated unit is a control and the estimate for cohort g and
year t is Callaway & Sant'Anna's ATT(g,t) as R's `did` computes it by default (base year g - 1 for t >= g,
t - 1 for t < g). With `--matching trajectory` each cohort's controls are the never-treated units whose
pre-joining trajectory is closest to a participant's (k nearest per participant, `--k`), matched on the
years before g - 2 only, so that the placebo years g - 2 and g - 1 stay a test the matching did not fit.
The output has one row per cohort x year (`group_time`) unless `--all-rows` adds the aggregates
(event study, cohort, pre-trend, overall)."""
from __future__ import annotations

import csv
from pathlib import Path

import click

from smartcity_base.settings import DBT_PROJECT_DIR

MACROS = DBT_PROJECT_DIR / "macros" / "impact.sql"
T_TABLE = DBT_PROJECT_DIR / "seeds" / "project" / "t_critical_values.csv"
OUTPUT_COLUMNS = ["row_type", "cohort", "year", "relative_year", "estimate", "std_error", "ci_low", "ci_high",
                  "n_treated", "n_controls", "p_value", "q_value", "degrees_of_freedom"]


def render_sql(panel: str, t_table: str, controls: str | None = None, transition_years: int = 0,
               stratum: str | None = None) -> str:
    """The SELECT over `impact_results` for a panel relation (series_key, unit, year, cohort, value).
    `transition_years` = 1 is what the warehouse uses (fct_program_impact); 0 gives did's aggregates."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    template = env.from_string(MACROS.read_text()
                               + "\n{{ impact_ctes(panel, t_table, controls, transition_years, stratum) }}")
    body = template.render(panel=panel, t_table=t_table, controls=controls, transition_years=transition_years,
                           stratum=stratum)
    return "with " + body + "\nselect * from impact_results"


def load_t_table(con, name: str = "impact_t_table") -> str:
    """The project's t critical values (seed t_critical_values) as a temp view; returns its name."""
    con.execute(f"create or replace temp view {name} as select cast(degrees_of_freedom as integer)"
                f" as degrees_of_freedom, cast(t_975 as double) as t_975 from read_csv({_q(T_TABLE)},"
                f" header = true)")
    return name


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def estimate(panel_csv: Path, matching: str = "none", k: int = 5, con=None):
    """Rows of impact_results (dicts) for a CSV panel `unit,year,cohort,value`."""
    import duckdb

    own = con is None
    con = con or duckdb.connect()
    try:
        con.execute(f"""create or replace temp view impact_input as
            select 'value' as series_key, cast(unit as varchar) as unit, cast(year as integer) as year,
                   cast(nullif(trim(cast(cohort as varchar)), '') as integer) as cohort,
                   cast(value as double) as value
            from read_csv({_q(panel_csv)}, header = true, all_varchar = true)""")
        load_t_table(con)
        controls = None
        if matching == "trajectory":
            con.execute(trajectory_controls_sql("impact_input", k))
            controls = "impact_matched_controls"
        elif matching != "none":
            raise ValueError(f"unknown matching {matching!r}")
        cur = con.execute(render_sql("impact_input", "impact_t_table", controls))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        if own:
            con.close()


def trajectory_controls_sql(panel: str, k: int) -> str:
    """Temp view impact_matched_controls (series_key, cohort, unit): per cohort g, the union of each
    participant's k never-treated units with the smallest mean squared difference over the years before
    g - 2 (ties: unit). Cohorts with no such year keep every never-treated unit."""
    return f"""create or replace temp view impact_matched_controls as
        with cohorts as (select distinct series_key, cohort from {panel} where cohort is not null),
        distances as (
            select t.series_key, t.cohort, t.unit as treated_unit, c.unit as control_unit,
                   avg((t.value - c.value) * (t.value - c.value)) as msd
            from {panel} t join {panel} c
              on c.series_key = t.series_key and c.year = t.year and c.cohort is null
            where t.cohort is not null and t.year < t.cohort - 2 and t.value is not null and c.value is not null
            group by 1, 2, 3, 4),
        ranked as (select *, row_number() over (partition by series_key, cohort, treated_unit
                                                order by msd, control_unit) as r from distances),
        matched as (select distinct series_key, cohort, control_unit as unit from ranked where r <= {int(k)})
        select * from matched
        union all
        select cohorts.series_key, cohorts.cohort, p.unit
        from cohorts join (select distinct series_key, unit from {panel} where cohort is null) p
          on p.series_key = cohorts.series_key
        where not exists (select 1 from matched m where m.series_key = cohorts.series_key
                          and m.cohort = cohorts.cohort)"""


@click.command()
@click.option("--panel", "panel_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="CSV with columns unit,year,cohort,value (cohort empty = never treated).")
@click.option("--out", "out_csv", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--matching", type=click.Choice(["none", "trajectory"]), default="none", show_default=True)
@click.option("--k", default=5, show_default=True, help="Controls per participant with --matching trajectory.")
@click.option("--all-rows", is_flag=True, help="Also write the event-study, cohort, pre-trend and overall rows.")
def impact(panel_csv: Path, out_csv: Path, matching: str, k: int, all_rows: bool) -> None:
    """Group-time program effects (Callaway & Sant'Anna) of a panel, with the warehouse's SQL."""
    rows = estimate(panel_csv, matching=matching, k=k)
    if not all_rows:
        rows = [r for r in rows if r["row_type"] == "group_time"]
    rows.sort(key=lambda r: (r["row_type"], r["cohort"] if r["cohort"] is not None else -1,
                             r["year"] if r["year"] is not None else -1,
                             r["relative_year"] if r["relative_year"] is not None else -99))
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with open(out_csv, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=OUTPUT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    click.echo(f"{len(rows)} rows -> {out_csv}")
