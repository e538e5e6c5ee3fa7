"""dbt at national scale (514 regions x 10 years x the catalogue's indicators, on DuckDB) against the same
transformations as one plain DuckDB SQL script, in the same run:

- `dbt build` (seeds + models + data tests + unit tests) into a fresh file, as the pipeline runs it;
- `dbt seed` then `dbt run` into a fresh file (the models only);
- the SQL script: every model's compiled SQL from dbt's manifest (`compiled_code`, after the build), in
  dependency order, each as `CREATE TABLE <schema>.<name> AS <compiled SQL>` (every model here is
  materialised as a table), executed with the duckdb Python API into a fresh file. The seed tables are
  copied from dbt's file first (timed separately): the script reproduces the transformations, not the
  CSV loading.

Ratios: dbt run / SQL models (dbt's overhead on the same transformations) and dbt build / (seed copy +
SQL models) (the pipeline's dbt step against the bare minimum). The SQL script's marts are checked
against dbt's (row count per table).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from bench import harness, national


# --- child-process functions ----------------------------------------------------------------------------


def dbt_command(args: list[str], duckdb_path: str) -> dict:
    from smartcity_base.settings import get_settings
    from smartcity.transform import TransformFailed, run_dbt

    settings = get_settings()
    started = time.perf_counter()
    try:
        result = run_dbt(args, settings, duckdb_path=Path(duckdb_path), log_name="bench-dbt")
        failures, ok = result.failures, True
        nodes, dbt_elapsed = result.nodes, result.elapsed_s
    except TransformFailed as exc:
        log = (settings.log_dir / "bench-dbt.log").read_text(errors="replace")
        last = log[log.rfind("$ dbt ") :]
        error = last[last.find("Encountered an error") :] if "Encountered an error" in last else ""
        failures, ok, nodes, dbt_elapsed = [" ".join((error or str(exc)).split())[:1500]], False, None, None
    target = settings.log_dir / "dbt-target" / "duckdb"
    return {
        "seconds": time.perf_counter() - started,
        "ok": ok,
        "failures": failures[:5],
        "nodes": nodes,
        "dbt_elapsed_s": dbt_elapsed,
        "manifest": str(target / "manifest.json"),
    }


def sql_script(script: str, db_path: str, seeds_from: str, seeds: list[list[str]]) -> dict:
    import duckdb

    con = duckdb.connect(db_path)
    try:
        con.execute("SET TimeZone = 'UTC'")
        t0 = time.perf_counter()
        con.execute(f"ATTACH '{seeds_from}' AS dbt_seeds (READ_ONLY)")
        for schema, name in seeds:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.execute(f'CREATE TABLE "{schema}"."{name}" AS SELECT * FROM dbt_seeds."{schema}"."{name}"')
        con.execute("DETACH dbt_seeds")
        t1 = time.perf_counter()
        statements = json.loads(Path(script).read_text())
        for stmt in statements:
            con.execute(stmt["sql"])
        t2 = time.perf_counter()
        counts = {
            name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()
    return {"seed_copy_s": t1 - t0, "models_s": t2 - t1, "statements": len(statements), "mart_counts": counts}


def mart_counts(db_path: str) -> dict:
    import duckdb

    con = duckdb.connect(db_path, read_only=True)
    try:
        return {
            name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()


# --- the script ----------------------------------------------------------------------------------------


def build_script(manifest_path: Path, database: str) -> tuple[list[dict], list[list[str]]]:
    """[{name, sql}] in dependency order, and the (schema, name) of the seeds the models read."""
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    missing = [uid for uid, n in models.items() if not n.get("compiled_code")]
    if missing:
        raise RuntimeError(f"{len(missing)} models without compiled SQL in {manifest_path} (first: {missing[0]})")
    seeds = sorted(
        {
            (nodes[d]["schema"], nodes[d]["alias"] or nodes[d]["name"])
            for n in models.values()
            for d in n["depends_on"]["nodes"]
            if d.startswith("seed.")
        }
    )
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(uid: str) -> None:
        if state.get(uid) == 2:
            return
        if state.get(uid) == 1:
            raise RuntimeError(f"dependency cycle at {uid}")
        state[uid] = 1
        for dep in models[uid]["depends_on"]["nodes"]:
            if dep in models:
                visit(dep)
        state[uid] = 2
        order.append(uid)

    for uid in sorted(models):
        visit(uid)
    statements, schemas = [], []
    for uid in order:
        n = models[uid]
        materialized = n["config"].get("materialized")
        if materialized == "ephemeral":
            continue  # inlined by dbt as a CTE into the models that use it
        schema, name = n["schema"], n["alias"] or n["name"]
        if schema not in schemas:
            schemas.append(schema)
            statements.append({"name": f"schema {schema}", "sql": f'CREATE SCHEMA IF NOT EXISTS "{schema}"'})
        kind = "VIEW" if materialized == "view" else "TABLE"
        statements.append(
            {
                "name": name,
                "materialized": materialized,
                "sql": f'CREATE {kind} "{database}"."{schema}"."{name}" AS (\n{n["compiled_code"]}\n)',
            }
        )
    return statements, [list(s) for s in seeds]


# --- orchestration ----------------------------------------------------------------------------------------


def bench(opts) -> dict:
    root, env = national.landing_zone(opts.quick)
    logs = root / "bench-logs"
    stem = "candidate-bench"
    runs: list[dict] = []
    notes: list[str] = []
    for i in range(opts.repeat):
        run: dict = {}
        for d in ("dbt-build", "dbt-run", "sql"):
            shutil.rmtree(root / d, ignore_errors=True)
            (root / d).mkdir()
        build_db = root / "dbt-build" / f"{stem}.duckdb"
        res = harness.run_child(
            "bench.dbt_vs_sql:dbt_command",
            {"args": ["build"], "duckdb_path": str(build_db)},
            env=env,
            log_dir=logs,
            label=f"dbt-build-{i}",
            timeout=1800,
        )
        run.update({f"dbt_build.{k}": v for k, v in res.metrics().items()})
        run["dbt_build.ok"] = 1 if res.result["ok"] else 0
        if not res.result["ok"]:
            msg = f"`dbt build` failed (models downstream of a failing test are skipped): {res.result['failures'][0]}"
            if msg not in notes:
                notes.append(msg)
        manifest = Path(res.result["manifest"])
        run_db = root / "dbt-run" / f"{stem}.duckdb"
        seed = harness.run_child(
            "bench.dbt_vs_sql:dbt_command",
            {"args": ["seed"], "duckdb_path": str(run_db)},
            env=env,
            log_dir=logs,
            label=f"dbt-seed-{i}",
            timeout=1800,
        )
        dbt_run = harness.run_child(
            "bench.dbt_vs_sql:dbt_command",
            {"args": ["run"], "duckdb_path": str(run_db)},
            env=env,
            log_dir=logs,
            label=f"dbt-run-{i}",
            timeout=1800,
        )
        if not (seed.result["ok"] and dbt_run.result["ok"]):
            raise RuntimeError(f"dbt seed/run failed: {(seed.result['failures'] or dbt_run.result['failures'])[:1]}")
        run.update({f"dbt_seed.{k}": v for k, v in seed.metrics().items()})
        run.update({f"dbt_run.{k}": v for k, v in dbt_run.metrics().items()})
        # the run's manifest carries the compiled SQL of every model (the build may have skipped some)
        statements, seeds = build_script(
            Path(dbt_run.result["manifest"]) if Path(dbt_run.result["manifest"]).exists() else manifest, stem
        )
        script = root / "sql" / "script.json"
        script.write_text(json.dumps(statements))
        sql_db = root / "sql" / f"{stem}.duckdb"
        sql = harness.run_child(
            "bench.dbt_vs_sql:sql_script",
            {"script": str(script), "db_path": str(sql_db), "seeds_from": str(run_db), "seeds": seeds},
            env=env,
            log_dir=logs,
            label=f"sql-{i}",
            timeout=1800,
        )
        run.update({f"sql.{k}": v for k, v in sql.metrics().items()})
        run["sql.seed_copy_s"] = sql.result["seed_copy_s"]
        run["sql.models_s"] = sql.result["models_s"]
        run["sql.statements"] = sql.result["statements"]
        dbt_counts = harness.run_child(
            "bench.dbt_vs_sql:mart_counts", {"db_path": str(run_db)}, env=env, log_dir=logs, label="counts"
        ).result
        run["marts_equal_row_counts"] = 1 if dbt_counts == sql.result["mart_counts"] else 0
        if dbt_counts != sql.result["mart_counts"]:
            diff = {
                k: (dbt_counts.get(k), sql.result["mart_counts"].get(k))
                for k in set(dbt_counts) | set(sql.result["mart_counts"])
                if dbt_counts.get(k) != sql.result["mart_counts"].get(k)
            }
            notes.append(f"row counts differ between dbt run and the SQL script (dbt, sql): {diff}")
        run["ratio.dbt_run_vs_sql_models"] = dbt_run.wall_s / sql.wall_s
        run["ratio.dbt_run_vs_sql_models_work"] = dbt_run.wall_s / sql.result["models_s"]
        run["ratio.dbt_build_vs_sql"] = res.wall_s / sql.wall_s
        runs.append(run)
    med = harness.medians(runs)
    f = lambda v, d=1: "n/a" if v is None else f"{v:.{d}f}"  # noqa: E731
    table = {
        "title": "dbt vs one plain DuckDB SQL script (medians; process wall time includes interpreter start)",
        "columns": ["what", "process wall s", "of which the work s", "peak RSS MB (largest / tree)"],
        "rows": [
            [
                "dbt build (seeds + models + tests), as the pipeline runs it",
                f(med["dbt_build.wall_s"]),
                "",
                f(med["dbt_build.peak_rss_mb"], 0) + " / " + f(med["dbt_build.peak_tree_rss_mb"], 0),
            ],
            ["dbt seed", f(med["dbt_seed.wall_s"]), "", f(med["dbt_seed.peak_rss_mb"], 0)],
            [
                "dbt run (models only)",
                f(med["dbt_run.wall_s"]),
                "",
                f(med["dbt_run.peak_rss_mb"], 0) + " / " + f(med["dbt_run.peak_tree_rss_mb"], 0),
            ],
            [
                f"SQL script: {int(med['sql.statements'])} statements (seed copy + models)",
                f(med["sql.wall_s"]),
                f"{f(med['sql.seed_copy_s'], 2)} + {f(med['sql.models_s'], 2)}",
                f(med["sql.peak_rss_mb"], 0),
            ],
            ["ratio dbt run / SQL script (process walls)", f(med["ratio.dbt_run_vs_sql_models"], 2) + "x", "", ""],
            ["ratio dbt run / SQL models alone", f(med["ratio.dbt_run_vs_sql_models_work"], 2) + "x", "", ""],
            ["ratio dbt build / SQL script", f(med["ratio.dbt_build_vs_sql"], 2) + "x", "", ""],
        ],
    }
    notes += [
        "Same landing zone for all three (extracted once before the timers, national scale); each into a fresh file.",
        "dbt's process wall includes its Python start-up, project parsing (partial parse on), seed CSV loading "
        "(build/seed), contract checks of the marts and, for build, every data and unit test; the SQL script "
        "has none of these. Marts row counts of the SQL script vs dbt run: "
        + ("equal." if med.get("marts_equal_row_counts") == 1 else "DIFFERENT (see above)."),
    ]
    return {
        "params": {"scale": 60 if opts.quick else 514, "models_from": "manifest.json compiled_code (dbt run)"},
        "metrics": med,
        "runs": runs,
        "tables": [table],
        "notes": notes,
        "targets": [],
    }
