"""The pipeline's stages as plain functions: DAG tasks and the CLI call these, nothing else does the
work. Each returns a small JSON-able summary (it travels over XCom: no secrets, no data)."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from smartcity.progress import report
from smartcity.settings import Settings, get_settings


def candidate_path(run_id: str, settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)[:120]
    return settings.build_dir / f"candidate-{safe}.duckdb"


def build_candidate(run_id: str, settings: Settings | None = None) -> dict:
    """dbt seed + build into a brand-new DuckDB file (never the published one)."""
    from smartcity.transform import run_dbt

    settings = settings or get_settings()
    path = candidate_path(run_id, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)  # a rerun of the same interval starts from scratch
    started = time.monotonic()
    report("dbt", "building the warehouse (dbt seed + build)")
    result = run_dbt(["build"], settings, duckdb_path=path, log_name="dbt")
    report("dbt", f"built {result.nodes} nodes in {time.monotonic() - started:.1f}s", nodes=result.nodes)
    return {"candidate": str(path), "nodes": result.nodes, "elapsed_s": round(time.monotonic() - started, 2)}


def generate_docs(candidate: str, settings: Settings | None = None) -> dict:
    """dbt docs as one static HTML page under warehouse/docs/dbt/."""
    from smartcity.transform import run_dbt

    settings = settings or get_settings()
    run_dbt(["docs", "generate", "--static"], settings, duckdb_path=Path(candidate), log_name="dbt")
    target = settings.log_dir / "dbt-target" / "duckdb"
    out = settings.docs_dir / "dbt"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("static_index.html", "index.html", "manifest.json", "catalog.json"):
        if (target / name).exists():
            shutil.copy2(target / name, out / name)
    report("docs", f"dbt docs at {out / 'static_index.html'}")
    return {"dbt_docs": str(out / "static_index.html")}


def audit_raw(run_id: str, settings: Settings | None = None) -> dict:
    """GX raw-boundary suites over the landing zone; critical failures stop the run."""
    from expectations import runner

    settings = settings or get_settings()
    report("audit", "validating the landing zone (GX raw suites)")
    result = runner.audit_raw(settings.raw_dir, run_id=run_id, docs_dir=settings.docs_dir / "gx")
    result.raise_for_critical()
    return result.summary()


def audit_candidate(candidate: str, run_id: str, settings: Settings | None = None) -> dict:
    """GX mart suites; results are stored in the candidate's `quality` schema, critical ones block."""
    from expectations import runner

    settings = settings or get_settings()
    report("audit", "validating the marts (GX mart suites)")
    result = runner.audit(Path(candidate), run_id=run_id, docs_dir=settings.docs_dir / "gx")
    runner.record_results(Path(candidate), result)
    summary = result.summary()
    report("audit", f"{summary.get('passed', '?')} expectations passed, {summary.get('failed', '?')} failed "
                    f"({summary.get('critical_failed', 0)} critical)", **summary)
    result.raise_for_critical()
    return summary


def publish_candidate(candidate: str, settings: Settings | None = None) -> dict:
    from smartcity import publish

    settings = settings or get_settings()
    result = publish.publish(Path(candidate), settings=settings)
    report("publish", f"published {settings.published_path}")
    return result.summary() if hasattr(result, "summary") else {"published": str(settings.published_path)}
