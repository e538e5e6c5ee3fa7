"""The same project with --target postgres (raw tables loaded with COPY into a fresh database) gives the
same row counts and the same values as DuckDB, mart by mart."""
from __future__ import annotations

import datetime as dt
import math

import pytest

pytestmark = pytest.mark.postgres


def _norm(value):
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def _sorted(rows):
    rows = [tuple(_norm(v) for v in row) for row in rows]
    return sorted(rows, key=lambda r: tuple((v is None, str(v)) for v in r))


def test_postgres_build_passes(postgres_build):
    results = postgres_build.run.results()
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass", "no-op")]
    assert not failed, failed
    assert postgres_build.loaded["bps__observations"] > 0


def _same_row(a: tuple, b: tuple) -> bool:
    """Equal, floats to one part in a million: the engines' float summation orders differ in the last bits,
    which can flip a 6th-decimal rounding."""
    return len(a) == len(b) and all(
        x == y or (isinstance(x, float) and isinstance(y, float) and math.isclose(x, y, rel_tol=1e-6, abs_tol=2e-6))
        for x, y in zip(a, b, strict=True))


def test_marts_equal_on_duckdb_and_postgres(duckdb_build, postgres_build):
    import duckdb
    import psycopg

    duck = duckdb.connect(str(duckdb_build.path), read_only=True)
    try:
        marts = [r[0] for r in duck.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        assert len(marts) >= 14
        with psycopg.connect(postgres_build.conninfo) as pg:
            pg_marts = {r[0] for r in pg.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
            assert set(marts) == pg_marts
            differences = []
            for table in marts:
                columns = [r[0] for r in duck.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts'"
                    " and table_name = ? order by ordinal_position", [table]).fetchall()]
                select = ", ".join(f'"{c}"' for c in columns)
                d_rows = _sorted(duck.execute(f"select {select} from marts.{table}").fetchall())
                p_rows = _sorted(pg.execute(f"select {select} from marts.{table}").fetchall())
                if len(d_rows) != len(p_rows):
                    differences.append(f"{table}: {len(d_rows)} rows on DuckDB, {len(p_rows)} on PostgreSQL")
                elif not all(_same_row(a, b) for a, b in zip(d_rows, p_rows, strict=True)):
                    first = next(i for i, (a, b) in enumerate(zip(d_rows, p_rows, strict=True))
                                 if not _same_row(a, b))
                    differences.append(f"{table}: first difference\n  duckdb   {d_rows[first]}\n"
                                       f"  postgres {p_rows[first]}")
            assert not differences, "\n".join(differences)
    finally:
        duck.close()
