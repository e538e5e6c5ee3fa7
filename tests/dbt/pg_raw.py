"""Load the Parquet landing zone into PostgreSQL schema `raw`, as the dbt project's postgres target
expects (tables `raw.<source>__<dataset>`).

DuckDB reads each dataset exactly as the duckdb target does (hive partitioning, union by name,
partition values kept as text), so both targets see the same columns, including the partition keys;
psycopg COPY writes the rows. The Python pipeline should do the same before `dbt build --target
postgres` (this module can be moved to the `smartcity` package as is).
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg

# (source, dataset, glob relative to the landing root): mirrors the sources' landing_glob in dbt_project
DATASETS = [
    ("bps", "observations", "bps/observations/*/*/data.parquet"),
    ("ckan", "packages", "ckan/packages/*/*/data.parquet"),
    ("ckan", "datastore", "ckan/datastore/*/*/data.parquet"),
    ("regency", "programs", "regency/programs/*/data.parquet"),
    ("regency", "quickwins", "regency/quickwins/*/data.parquet"),
    ("regency", "budget", "regency/budget/*/data.parquet"),
    ("spreadsheet", "indicator_values", "spreadsheet/indicator_values/*/data.parquet"),
    ("spreadsheet", "evaluation_scores", "spreadsheet/evaluation_scores/*/data.parquet"),
]


def _pg_type(duck_type: str) -> str:
    t = duck_type.upper()
    if t in ("VARCHAR", "UUID") or t.startswith("VARCHAR"):
        return "text"
    if t in ("BIGINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return "bigint"
    if t in ("INTEGER", "SMALLINT", "TINYINT", "USMALLINT", "UTINYINT"):
        return "integer"
    if t in ("DOUBLE", "FLOAT") or t.startswith("DECIMAL"):
        return "double precision"
    if t == "BOOLEAN":
        return "boolean"
    if t == "DATE":
        return "date"
    if t == "TIMESTAMP WITH TIME ZONE":
        return "timestamptz"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    return "text"


def load_raw(raw_dir: Path | str, conninfo: str, schema: str = "raw") -> dict[str, int]:
    """Replace every raw table that has files; returns rows loaded per table."""
    raw_dir = Path(raw_dir)
    loaded: dict[str, int] = {}
    duck = duckdb.connect()
    try:
        with psycopg.connect(conninfo, autocommit=False) as pg:
            pg.execute(f'create schema if not exists "{schema}"')
            for source, dataset, pattern in DATASETS:
                glob = str(raw_dir / pattern).replace("'", "''")
                if duck.execute(f"select count(*) from glob('{glob}')").fetchone()[0] == 0:
                    continue
                reader = (f"read_parquet('{glob}', hive_partitioning=true, union_by_name=true, "
                          "hive_types_autocast=false)")
                columns = duck.execute(f"describe select * from {reader}").fetchall()
                names = [c[0] for c in columns]
                table = f'"{schema}"."{source}__{dataset}"'
                pg.execute(f"drop table if exists {table}")
                pg.execute(f"create table {table} ("
                           + ", ".join(f'"{n}" {_pg_type(t)}' for n, t, *_ in columns) + ")")
                rows = duck.execute(f"select * from {reader}").fetchall()
                col_list = ", ".join(f'"{n}"' for n in names)
                with pg.cursor() as cur, cur.copy(f"copy {table} ({col_list}) from stdin") as copy:
                    for row in rows:
                        copy.write_row(row)
                loaded[f"{source}__{dataset}"] = len(rows)
            pg.commit()
    finally:
        duck.close()
    return loaded
