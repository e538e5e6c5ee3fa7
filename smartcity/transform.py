"""Run dbt as a few coarse commands (seed + build, docs generate) in a child process, so dbt's
in-process state and DuckDB connections never leak into the caller (an Airflow task or the CLI)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from smartcity.airflow_env import NO_TELEMETRY
from smartcity_base.settings import DBT_PROJECT_DIR, Settings, get_settings


class TransformFailed(RuntimeError):
    """dbt failed; the message names the failing nodes."""


@dataclass
class DbtResult:
    command: str
    elapsed_s: float
    nodes: int
    failures: list[str]


def dbt_env(settings: Settings, duckdb_path: Path | None = None, extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        **NO_TELEMETRY,
        "SMARTCITY_RAW_DIR": str(settings.raw_dir),
        "DBT_LOG_PATH": str(settings.log_dir / "dbt"),
    }
    if duckdb_path is not None:
        env["SMARTCITY_DUCKDB_PATH"] = str(duckdb_path)
    env.update(extra or {})
    return env


def run_dbt(args: list[str], settings: Settings | None = None, duckdb_path: Path | None = None,
            target: str = "duckdb", extra_env: dict | None = None, log_name: str = "dbt",
            timeout_s: float | None = None) -> DbtResult:
    settings = settings or get_settings()
    timeout_s = timeout_s or settings.dbt_timeout_s
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    target_path = settings.log_dir / "dbt-target" / target
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
           "--target", target, "--target-path", str(target_path)]
    log_file = settings.log_dir / f"{log_name}.log"
    with open(log_file, "a", encoding="utf-8") as fh:
        fh.write(f"\n$ dbt {' '.join(args)} --target {target}\n")
        fh.flush()
        try:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=DBT_PROJECT_DIR,
                                  env=dbt_env(settings, duckdb_path, extra_env), timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise TransformFailed(f"dbt {args[0]} did not finish within {timeout_s:.0f}s (killed; "
                                  f"SMARTCITY_DBT_TIMEOUT_S moves the limit); see {log_file}") from None
    results = _read_results(target_path / "run_results.json")
    failures = [f"{r['unique_id']}: {r.get('message') or r['status']}" for r in results.get("results", [])
                if r.get("status") in ("error", "fail", "runtime error")]
    outcome = DbtResult(command=args[0], elapsed_s=results.get("elapsed_time", 0.0),
                        nodes=len(results.get("results", [])), failures=failures)
    if proc.returncode != 0:
        detail = "; ".join(failures[:5]) or f"see {log_file}"
        raise TransformFailed(f"dbt {args[0]} failed ({len(failures)} failing nodes): {detail}")
    if args[:2] == ["docs", "generate"] and duckdb_path is not None and target == "duckdb":
        rename_docs_database(target_path, Path(duckdb_path).stem, settings.published_path.stem)
    return outcome


def rename_docs_database(target_path: Path, build_name: str, served_name: str) -> int:
    """dbt docs name every relation after the DuckDB catalog it was built in, i.e. the candidate file
    (`"candidate-manual__2026-..."."marts"."dim_region"`); readers open the published file, whose catalog
    is `smartcity`. Rewrite the docs artifacts (catalog.json, manifest.json and the static page that
    inlines them, as `dbt docs generate --static` does) to the served name. Returns files rewritten."""
    if not build_name or build_name == served_name:
        return 0
    rewritten = 0
    for name in ("catalog.json", "manifest.json"):
        path = target_path / name
        if not path.exists():
            continue
        data = _renamed(json.loads(path.read_text(encoding="utf-8")), build_name, served_name)
        path.write_text(json.dumps(data), encoding="utf-8")
        rewritten += 1
    index, static = target_path / "index.html", target_path / "static_index.html"
    if static.exists() and index.exists():
        page = index.read_text(encoding="utf-8")
        page = page.replace('"MANIFEST.JSON INLINE DATA"', (target_path / "manifest.json").read_text(encoding="utf-8"))
        page = page.replace('"CATALOG.JSON INLINE DATA"', (target_path / "catalog.json").read_text(encoding="utf-8"))
        static.write_text(page, encoding="utf-8")
        rewritten += 1
    return rewritten


def _renamed(value, old: str, new: str):
    """The catalog name as a whole value (`database` fields) or as a quoted identifier (relation names,
    compiled SQL); other text that happens to contain it stays."""
    if isinstance(value, str):
        return new if value == old else value.replace(f'"{old}".', f'"{new}".')
    if isinstance(value, dict):
        return {_renamed(k, old, new): _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    return value


def _read_results(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
