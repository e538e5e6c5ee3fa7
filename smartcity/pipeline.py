"""The pipeline's stages as plain functions: DAG tasks and the CLI call these, nothing else does the
work. Each returns a small JSON-able summary (it travels over XCom: no secrets, no data)."""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

from smartcity.progress import report
from smartcity_base.settings import Settings, get_settings


def candidate_path(run_id: str, settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)[:120]
    return settings.build_dir / f"candidate-{safe}.duckdb"


def inputs_fingerprint(settings: Settings | None = None) -> str:
    """What a warehouse build depends on: every landed partition's manifest id (a rerun that found the
    same data keeps them) and the transformation and audit code. Equal fingerprints, equal warehouse."""
    import hashlib

    from smartcity_base.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

    from extractors.landing import read_manifests

    settings = settings or get_settings()
    digest = hashlib.sha256()
    landed = sorted((m["source"], m["dataset"], m["partition"], m["manifest_id"])
                    for m in read_manifests(settings.raw_dir)
                    if m.get("row_count"))  # an empty partition ("nothing changed since the cursor") adds nothing
    digest.update(json.dumps(landed).encode())
    code = [*DBT_PROJECT_DIR.glob("dbt_project.yml"), *DBT_PROJECT_DIR.glob("profiles.yml"),
            *(p for folder in ("models", "macros", "seeds", "tests") for p in (DBT_PROJECT_DIR / folder).rglob("*")),
            *EXPECTATIONS_DIR.glob("*.py")]
    for path in sorted(p for p in code if p.is_file()):
        digest.update(str(path.relative_to(DBT_PROJECT_DIR.parent)).encode())
        digest.update(path.read_bytes())
    # where the warehouse is served is an input too: enabling PostgreSQL after a publish must load it
    digest.update(json.dumps(serving_targets()).encode())
    return digest.hexdigest()


def serving_targets() -> dict:
    """The serving targets besides the DuckDB file, without credentials: {"postgres": "host:port/db"}."""
    dsn = os.environ.get("SMARTCITY_POSTGRES_URL", "")
    if not dsn:
        return {}
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn)
    return {"postgres": f"{params.get('host', '')}:{params.get('port', '5432')}/{params.get('dbname', '')}"}


def warehouse_is_stale(settings: Settings | None = None) -> bool:
    """False when the served warehouse was built from exactly the current inputs: nothing to rebuild."""
    settings = settings or get_settings()
    marker = settings.published_inputs_path
    try:
        published = json.loads(marker.read_text(encoding="utf-8"))["fingerprint"]
    except (OSError, ValueError, KeyError):
        published = None
    stale = published != inputs_fingerprint(settings) or not settings.published_path.exists()
    if not stale:
        report("transform", "landing zone and code unchanged since the last publish: nothing to rebuild")
    return stale


def build_candidate(run_id: str, settings: Settings | None = None) -> dict:
    """dbt seed + build into a brand-new DuckDB file (never the published one)."""
    from smartcity.transform import run_dbt

    settings = settings or get_settings()
    path = candidate_path(run_id, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One build at a time (pool warehouse_writer, max_active_runs=1): every other candidate in .build/ is
    # left over from a failed or killed run; a rerun of the same interval starts from scratch.
    remove_candidates(settings)
    started = time.monotonic()
    report("dbt", "building the warehouse (dbt seed + build)")
    fingerprint = inputs_fingerprint(settings)  # taken before the build: what the candidate is built from
    result = run_dbt(["build"], settings, duckdb_path=path, log_name="dbt")
    path.with_suffix(".inputs.json").write_text(json.dumps({"fingerprint": fingerprint}), encoding="utf-8")
    report("dbt", f"built {result.nodes} nodes in {time.monotonic() - started:.1f}s", nodes=result.nodes)
    return {"candidate": str(path), "nodes": result.nodes, "elapsed_s": round(time.monotonic() - started, 2)}


def remove_candidates(settings: Settings | None = None, older_than_s: float = 0, keep: Path | None = None) -> list[str]:
    """Remove candidate warehouses (and their WAL and inputs files) from warehouse/.build/."""
    settings = settings or get_settings()
    removed = []
    if not settings.build_dir.is_dir():
        return removed
    cutoff = time.time() - older_than_s
    for path in settings.build_dir.iterdir():
        if keep is not None and path.name.startswith(keep.name.removesuffix(".duckdb") + "."):
            continue
        if path.is_file() and path.name.startswith(("candidate-", "dev.")) and path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


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
    write_docs_index(settings)
    report("docs", f"dbt docs and GX Data Docs under {settings.docs_dir / 'index.html'}")
    return {"dbt_docs": str(out / "static_index.html")}


def write_docs_index(settings: Settings) -> Path:
    """One entry point for people: links to the dbt docs and the GX Data Docs beside it."""
    index = settings.docs_dir / "index.html"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>smartcity-warehouse docs</title></head>"
        "<body><h1>smartcity-warehouse</h1><ul>"
        "<li><a href='dbt/static_index.html'>Models, columns and lineage (dbt docs)</a></li>"
        "<li><a href='gx/index.html'>Data quality results (Great Expectations Data Docs)</a></li>"
        "</ul></body></html>\n", encoding="utf-8")
    return index


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


def publish_candidate(candidate: str, settings: Settings | None = None, remove_candidate: bool = False) -> dict:
    """Serve the audited candidate; `remove_candidate` (the DAG): then delete it from warehouse/.build/ (the
    version is kept under versions/)."""
    from smartcity import publish

    settings = settings or get_settings()
    inputs = Path(candidate).with_suffix(".inputs.json")
    result = publish.publish(Path(candidate), settings=settings)
    if inputs.exists():  # remember what the served warehouse was built from (after the swap, never before)
        os.replace(inputs, settings.published_inputs_path)
    if remove_candidate:
        remove_candidates(settings)
    report("publish", f"published {settings.published_path}")
    if result.postgres:
        target = serving_targets().get("postgres", "PostgreSQL")
        report("publish", f"PostgreSQL {target}: {len(result.postgres.get('tables', {}))} marts, "
                          f"{result.postgres.get('rows', 0):,} rows loaded (schema {result.postgres.get('schema')})")
    return result.summary() if hasattr(result, "summary") else {"published": str(settings.published_path)}


# --- extraction: thin wrappers that hand the landing zone and run id to the extractors ---------------
BPS_BATCH_SIZE = 8  # province domains per mapped task: enough parallelism, not one task per row


def bps_domain_batches(batch_size: int = BPS_BATCH_SIZE) -> list[list[str]]:
    from extractors.regions import province_domains

    domains = province_domains()
    return [domains[i:i + batch_size] for i in range(0, len(domains), batch_size)]


def extract_bps(domains: list[str], run_id: str, evaluation_year: int | None = None,
                settings: Settings | None = None, fresh_since: datetime | None = None) -> dict:
    """One batch of province domains x every catalogue BPS variable. `fresh_since` (the end of the DAG's
    data interval): tables already fetched since then for the same years are not asked again."""
    from extractors import bps

    settings = settings or get_settings()
    years = range(evaluation_year - 9, evaluation_year + 1) if evaluation_year else None
    summaries = bps.extract_national(settings.raw_dir, run_id, years=years, domains=domains,
                                     progress=lambda line: None, fresh_since=fresh_since,
                                     quarantine_dir=settings.quarantine_dir)
    fresh = [s for s in summaries if s.get("status") == "fresh"]
    fetched = [s for s in summaries if s.get("status") not in ("fresh", "gap", "quarantined")]
    rows = sum(s["row_count"] or 0 for s in fetched)
    since = fresh_since.astimezone(timezone.utc) if fresh else None
    note = f"; {len(fresh)} already fetched since {since:%Y-%m-%d %H:%M} UTC, not asked again" if fresh else ""
    gaps = [s for s in summaries if s.get("status") == "gap"]
    quarantined = [s for s in summaries if s.get("status") == "quarantined"]
    if gaps or quarantined:  # variable-map gaps (ambiguous / missing) and tables that were not the mapped one
        note += f"; {len(gaps)} indicator gaps in the variable maps, {len(quarantined)} tables quarantined"
    report("extract", f"bps domains {domains[0]}..{domains[-1]}: {len(fetched)} tables fetched, {rows:,} rows{note}",
           source="bps", rows=rows, fresh=len(fresh))
    return {"source": "bps", "tables": len(fetched), "fresh_tables": len(fresh), "rows": rows, "domains": domains,
            "gaps": len(gaps), "quarantined": len(quarantined)}


def ckan_portals(through_airflow: bool = False) -> list[str]:
    """Portals with a connection `smartcity_ckan_<portal>` (through Airflow in a DAG), or the explicit list."""
    from smartcity.connections import ckan_portals as portals

    return portals(through_airflow)


def extract_ckan_portal(portal: str, run_id: str, settings: Settings | None = None,
                        full_refresh: bool = False) -> dict:
    """One portal through its platform's adapter (registry seed `ckan_portals.csv`), incremental from its
    cursor (`full_refresh`: every package again). A blocked or gone portal is recorded, not an error."""
    from extractors import portals

    settings = settings or get_settings()
    summary = portals.extract(settings.raw_dir, portal, run_id, since=None if full_refresh else "auto",
                              quarantine_dir=settings.quarantine_dir)
    if summary.get("state", "active") != "active":
        report("extract", f"{summary['platform']} {portal}: {summary['state']} (last reached "
                          f"{summary.get('last_reached_on') or 'never'}), recorded", source="ckan", rows=0)
    else:
        values = f", {summary['value_rows']:,} values" if summary.get("value_rows") else ""
        report("extract", f"{summary.get('platform', 'ckan')} {portal}: {summary['row_count']:,} packages changed "
                          f"since {summary.get('since') or 'the start'}{values}", source="ckan",
                          rows=summary["row_count"])
    return {"source": "ckan", "portal": portal, "rows": summary["row_count"], "since": summary.get("since"),
            "platform": summary.get("platform", "ckan"), "state": summary.get("state", "active")}


def regency_entities() -> list[dict]:
    from extractors.regency import load_registry

    return [{"system": name, "entity": entity} for name, system in sorted(load_registry().items())
            for entity in sorted(system.entities)]


def extract_regency_entity(system: str, entity: str, run_id: str, settings: Settings | None = None,
                           full_refresh: bool = False) -> dict:
    """One entity of a regency system, incremental from its cursor (`full_refresh`: every record again)."""
    from extractors import regency

    settings = settings or get_settings()
    summaries = regency.extract_system(settings.raw_dir, system, run_id, entities=[entity], full=full_refresh)
    rows = sum(s.get("row_count") or 0 for s in summaries)
    report("extract", f"regency {system}/{entity}: {rows:,} records", source="regency", rows=rows)
    return {"source": "regency", "system": system, "entity": entity, "rows": rows}


def extract_spreadsheet_drops(run_id: str, settings: Settings | None = None, raise_unreadable: bool = True) -> dict:
    """Every file in the drop folder; a file that cannot be read fails the task after the others landed
    (`raise_unreadable=False`: the summary lists them under `unreadable` and a later task fails)."""
    from extractors import spreadsheet

    settings = settings or get_settings()
    files = spreadsheet.extract_drop_folder(settings.drop_dir, settings.raw_dir, settings.quarantine_dir, run_id)
    rows = sum(f.get("row_count") or 0 for f in files)
    quarantined = sum(f.get("quarantined") or 0 for f in files)
    failed = [f for f in files if f.get("status") == "failed"]
    skipped = sum(f.get("status") == "skipped" for f in files)
    note = f" ({skipped} already landed from the same bytes, not read again)" if skipped else ""
    report("extract", f"spreadsheets: {len(files)} files{note}, {rows:,} rows, {quarantined:,} rows quarantined",
           source="spreadsheet", rows=rows, quarantined=quarantined, skipped=skipped)
    message = (f"{len(failed)} spreadsheet file(s) unreadable; first: {failed[0]['file']}: {failed[0]['error']}"
               if failed else None)
    if failed and raise_unreadable:
        raise RuntimeError(message)
    return {"source": "spreadsheet", "files": len(files), "rows": rows, "quarantined": quarantined,
            "unreadable": message}


def raise_if_unreadable(summary: dict) -> None:
    """The spreadsheet DAG's last step: what could be read has landed (and is published); now fail the run."""
    if summary.get("unreadable"):
        raise RuntimeError(summary["unreadable"])


def summarise_extracts(source: str, summaries: list[dict | None]) -> dict:
    """What the mapped extracts landed (a failed one has no summary: it lands nothing and is left out)."""
    landed = [s for s in summaries if isinstance(s, dict)]
    rows = sum(s.get("rows") or 0 for s in landed)
    return {"source": source, "tasks": len(landed), "rows": rows}
