"""Retention, as settings with defaults (smartcity_base/settings.py, docs/operations.md):

- candidate warehouses in warehouse/.build/ older than `SMARTCITY_CANDIDATE_RETENTION_HOURS` (24): a
  publish removes its own candidate and the next build every stale one; this catches the rest;
- published versions beyond `SMARTCITY_KEEP_VERSIONS` (5): pruned by every publish;
- run logs (logs/run-*, Airflow task logs) older than `SMARTCITY_LOG_RETENTION_DAYS` (30);
- Airflow's metadata (task instances, XCom, logs table...) older than `SMARTCITY_AIRFLOW_DB_RETENTION_DAYS`
  (30), with `airflow db clean`.

The landed partitions are not pruned by age: an incremental CKAN or regency batch holds the only copy of
the records that have not changed since, and the warehouse is rebuilt from all of them."""
from __future__ import annotations

import os

import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from smartcity_base.settings import Settings, get_settings


def _old_files(folder: Path, patterns: tuple[str, ...], older_than_s: float) -> list[Path]:
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than_s
    return sorted({p for pattern in patterns for p in folder.glob(pattern)
                   if p.is_file() and p.stat().st_mtime < cutoff})


def prune_logs(settings: Settings, dry_run: bool = False) -> list[str]:
    """Run logs under logs/ and Airflow's task logs older than the log retention."""
    from smartcity.airflow_env import airflow_home

    older = settings.log_retention_days * 86400
    doomed = _old_files(settings.log_dir, ("run-*.log", "run-*.progress.jsonl", "run-*.states.json"), older)
    task_logs = Path(os.environ.get("AIRFLOW__LOGGING__BASE_LOG_FOLDER")
                     or Path(os.environ.get("AIRFLOW_HOME") or airflow_home()) / "logs")
    doomed += _old_files(task_logs, ("**/*.log",), older)
    if not dry_run:
        for path in doomed:
            path.unlink(missing_ok=True)
            _remove_empty_parents(path.parent, task_logs)
    return [str(p) for p in doomed]


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """The run folders of removed task logs, when they are left empty (never anything outside `root`)."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def airflow_db_clean(settings: Settings, dry_run: bool = False, sql_alchemy_conn: str | None = None) -> dict:
    """`airflow db clean` of metadata older than the retention (no archive tables kept). Airflow 3 task
    processes get no metadata-database URL: inside a task pass it (`sql_alchemy_conn`, from a connection)."""
    before = datetime.now(timezone.utc) - timedelta(days=settings.airflow_db_retention_days)
    airflow = Path(sys.executable).with_name("airflow")
    cmd = [str(airflow), "db", "clean", "--clean-before-timestamp", before.isoformat(timespec="seconds"),
           "--skip-archive", "--yes"] + (["--dry-run"] if dry_run else [])
    env = {**os.environ, **({"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn} if sql_alchemy_conn else {})}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"airflow db clean failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return {"before": before.isoformat(timespec="seconds"), "dry_run": dry_run}


def run_retention(settings: Settings | None = None, dry_run: bool = False, db_clean: bool = False) -> dict:
    from smartcity.pipeline import remove_candidates

    settings = settings or get_settings()
    out = {}
    if dry_run:
        cutoff = time.time() - settings.candidate_retention_hours * 3600
        out["candidates"] = [p.name for p in settings.build_dir.glob("candidate-*")
                             if p.stat().st_mtime <= cutoff] if settings.build_dir.is_dir() else []
    else:
        out["candidates"] = remove_candidates(settings, older_than_s=settings.candidate_retention_hours * 3600)
    out["logs"] = prune_logs(settings, dry_run=dry_run)
    if db_clean:
        out["airflow_db"] = airflow_db_clean(settings, dry_run=dry_run)
    return out



