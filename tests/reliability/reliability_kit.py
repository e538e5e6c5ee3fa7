"""Helpers of the reliability suite: cloning the good baseline, fingerprints of the marts and of the
landing zone, and running pipeline stages in a child process that the test can SIGKILL."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from extractors.landing import file_sha256 as file_sha  # noqa: F401 (the tests' name for it)

SEED = 0
SCALE = 40                       # below 55: the simulator serves exactly the 55 participants
RUN_ID = "reliability_baseline"
BPS_DOMAINS = ["3500"]           # one province domain (21 tables) keeps per-fault BPS pulls short
META = ("_manifest_id", "_extracted_at")
FLOAT_DIGITS = 6                 # scores differ in their last bits between builds (see test_sigkill_and_rerun)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


# --- files and fingerprints ----------------------------------------------------------------------------
def mart_columns(duckdb_path: Path, float_digits: int | None = None) -> dict[str, dict[str, str]]:
    """{table: {column: digest of the column's sorted values}} for every `marts` table (read-only).
    `float_digits`: DOUBLE/FLOAT columns rounded to that many decimals first (compare data, not last bits)."""
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        out: dict[str, dict[str, str]] = {}
        cols = con.execute("select table_name, column_name, data_type from information_schema.columns "
                           "where table_schema = 'marts' order by table_name, ordinal_position").fetchall()
        for table, column, data_type in cols:
            expr = f'"{column}"'
            if float_digits is not None and data_type.upper() in ("DOUBLE", "FLOAT", "REAL"):
                expr = f"round({expr}, {float_digits})"
            text = f"coalesce(cast({expr} as varchar), '<null>')"
            (digest,) = con.execute(
                f"select md5(coalesce(string_agg({text}, '|' order by {text}), '')) from marts.\"{table}\""
            ).fetchone()
            out.setdefault(table, {})[column] = digest
        return out
    finally:
        con.close()


def mart_rows(duckdb_path: Path) -> dict[str, str]:
    """{table: digest of its sorted rows}: order-independent content of every mart."""
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("select table_name from information_schema.tables "
                                    "where table_schema = 'marts' order by 1").fetchall():
            rows = con.execute(f'select * from marts."{table}"').fetchall()
            out[table] = hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()
        return out
    finally:
        con.close()


def differing_columns(a: dict, b: dict) -> dict[str, list[str]]:
    """Columns whose content differs between two `mart_columns` results."""
    out = {}
    for table in sorted(set(a) | set(b)):
        cols = sorted(c for c in set(a.get(table, {})) | set(b.get(table, {}))
                      if a.get(table, {}).get(c) != b.get(table, {}).get(c))
        if cols:
            out[table] = cols
    return out


def partitions(raw_dir: Path) -> dict[str, str | None]:
    """{partition folder (relative): manifest_id or None} of every visible landing partition; also every
    folder holding a data.parquet or a _manifest.json (so a half-written partition shows up)."""
    out: dict[str, str | None] = {}
    if not raw_dir.exists():
        return out
    for path in raw_dir.rglob("*"):
        if ".staging" in path.relative_to(raw_dir).parts or path.name not in ("data.parquet", "_manifest.json"):
            continue
        rel = str(path.parent.relative_to(raw_dir))
        manifest = path.parent / "_manifest.json"
        out[rel] = json.loads(manifest.read_text())["manifest_id"] if manifest.exists() else None
    return out


def half_written(raw_dir: Path) -> list[str]:
    """Visible partitions that a reader must not trust: data without manifest, manifest without data,
    or a manifest whose sha256/row_count does not describe the data file."""
    bad = []
    for rel in partitions(raw_dir):
        folder = raw_dir / rel
        data, manifest = folder / "data.parquet", folder / "_manifest.json"
        if not (data.exists() and manifest.exists()):
            bad.append(f"{rel}: data.parquet={data.exists()} _manifest.json={manifest.exists()}")
            continue
        m = json.loads(manifest.read_text())
        if m.get("sha256") != file_sha(data):
            bad.append(f"{rel}: sha256 of data.parquet does not match its manifest")
        elif m.get("row_count") != pq.ParquetFile(data).metadata.num_rows:
            bad.append(f"{rel}: row_count {m.get('row_count')} != {pq.ParquetFile(data).metadata.num_rows}")
    return bad


def landed_rows(folder: Path) -> list[tuple]:
    """The rows of a partition without the per-extraction columns, sorted (for equality checks)."""
    table = pq.read_table(folder / "data.parquet")
    table = table.drop_columns([c for c in META if c in table.column_names])
    names = sorted(table.column_names)
    return sorted(tuple(repr(r[c]) for c in names) for r in table.to_pylist())


def dataset_rows(raw_dir: Path, pattern: str) -> dict[str, list[tuple]]:
    return {str(p.parent.relative_to(raw_dir)): landed_rows(p.parent)
            for p in sorted(raw_dir.glob(pattern)) if ".staging" not in p.parts}


def clone_root(src: Path, dst: Path) -> None:
    """Copy a run's data and warehouse (not its logs/exports/docs/candidates) to a fresh root."""
    shutil.copytree(src / "data", dst / "data")
    skip = shutil.ignore_patterns(".build", "docs", "versions", ".publish.lock")
    shutil.copytree(src / "warehouse", dst / "warehouse", ignore=skip)


# --- the pipeline's stages, in the DAGs' order ----------------------------------------------------------
def run_stages(run_id: str) -> dict:
    """Every stage the DAGs run, in their order, with the environment's paths and connections."""
    from smartcity import pipeline

    out = {"bps": [pipeline.extract_bps(batch, run_id) for batch in pipeline.bps_domain_batches()],
           "ckan": [pipeline.extract_ckan_portal(p, run_id) for p in pipeline.ckan_portals()],
           "regency": [pipeline.extract_regency_entity(e["system"], e["entity"], run_id)
                       for e in pipeline.regency_entities()],
           "spreadsheet": pipeline.extract_spreadsheet_drops(run_id)}
    out["audit_raw"] = pipeline.audit_raw(run_id)
    out.update(transform_and_publish(run_id))
    return out


def transform_and_publish(run_id: str) -> dict:
    from smartcity import pipeline

    built = pipeline.build_candidate(run_id)
    audit = pipeline.audit_candidate(built["candidate"], run_id)
    published = pipeline.publish_candidate(built["candidate"])
    return {"candidate": built["candidate"], "audit_marts": audit, "publish": published}


# --- child processes -----------------------------------------------------------------------------------
def child_env(root: Path, extra: dict | None = None) -> dict[str, str]:
    from smartcity_base.settings import relocated

    env = {**os.environ, **relocated(root), "SMARTCITY_GX_REGION_COVERAGE": "warning",
           "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    env.update(extra or {})
    return env


def start_child(code: str, env: dict, log: Path) -> subprocess.Popen:
    """`python -c code` in its own process group (so dbt, a grandchild, dies with it)."""
    fh = open(log, "ab")
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=fh,
                            cwd=str(PROJECT_ROOT), start_new_session=True)


def kill_group(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)   # the group this test created (pgid == child pid)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
