"""Reader process for the publish tests: query the served warehouse in a loop (reconnecting each time) until
`stop` appears; print one JSON line per read and a final summary. Every read must see one complete version:
build_info.fact_rows equals the fact row count and every fact row carries that version's manifest id."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

QUERY = """select (select version from marts.build_info) as version,
                  (select fact_rows from marts.build_info) as expected_rows,
                  count(*) as fact_rows,
                  count(*) filter (where manifest_id = 'manifest-' || (select version from marts.build_info)) as own,
                  (select count(*) from marts.dim_region) as regions
           from marts.fct_indicator_value"""


def read_duckdb(path):
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(QUERY).fetchone()
    finally:
        con.close()


def make_sqlalchemy(path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(f"duckdb:///{path}", connect_args={"read_only": True}, poolclass=NullPool)

    def read(_):
        with engine.connect() as conn:
            return tuple(conn.execute(text(QUERY)).one())
    return read


def main():
    path, stop, kind = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    read = read_duckdb if kind == "duckdb" else make_sqlalchemy(path)
    seen, reads, errors, bad = set(), 0, [], []
    while not stop.exists():
        try:
            version, expected, rows, own, regions = read(path)
        except Exception as exc:  # noqa: BLE001 - every error is a finding
            errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)
            continue
        reads += 1
        seen.add(version)
        if not (rows == expected == own and regions == 514):
            bad.append([version, expected, rows, own, regions])
    print(json.dumps({"reads": reads, "versions": sorted(seen), "errors": errors[:5], "n_errors": len(errors),
                      "bad": bad[:5]}))


if __name__ == "__main__":
    main()
