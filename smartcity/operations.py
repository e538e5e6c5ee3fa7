"""Operator commands: `smartcity doctor`, `status`, `versions`, `rollback [--to VERSION]`, `maintenance`.
Registered in smartcity/cli.py; each reads files and the Airflow metadata database directly (no Airflow
import), so they answer in about a second."""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta, timezone

import click

from smartcity_base.settings import Settings, get_settings

# How long each extract DAG may go without a successful run before its source counts as stale.
STALE_AFTER = {"extract_bps": timedelta(days=8), "extract_ckan": timedelta(days=2),
               "extract_regency": timedelta(days=2), "extract_spreadsheets": timedelta(days=2)}
SOURCE_OF_DAG = {"extract_bps": "bps", "extract_ckan": "ckan", "extract_regency": "regency",
                 "extract_spreadsheets": "spreadsheet"}


def last_runs(sql_alchemy_conn: str | None = None) -> dict[str, dict]:
    """The last run and the last successful run of every DAG, from Airflow's metadata database."""
    import sqlalchemy as sa

    from smartcity.airflow_env import airflow_env

    url = sql_alchemy_conn or os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") or \
        airflow_env()["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return {}
    engine = sa.create_engine(url)
    out: dict[str, dict] = {}
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "select dag_id, run_id, state, run_type, start_date, end_date from dag_run "
                "order by coalesce(start_date, queued_at)")).fetchall()
    except sa.exc.SQLAlchemyError:
        return {}
    finally:
        engine.dispose()
    for dag_id, run_id, state, run_type, start, end in rows:
        entry = out.setdefault(dag_id, {})
        entry["last"] = {"run_id": run_id, "state": state, "run_type": run_type, "start": _iso(start),
                         "end": _iso(end)}
        if state == "success":
            entry["last_success"] = entry["last"]
    return out


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat(timespec="seconds")


def source_health(runs: dict[str, dict], now: datetime | None = None) -> dict[str, str]:
    """ok | stale (no successful run within its interval) | blocked (the last run failed)."""
    now = now or datetime.now(timezone.utc)
    health = {}
    for dag_id, source in SOURCE_OF_DAG.items():
        entry = runs.get(dag_id, {})
        last, success = entry.get("last"), entry.get("last_success")
        if last and last["state"] == "failed":
            health[source] = f"blocked: last run {last['run_id']} failed"
        elif not success:
            health[source] = "stale: never extracted successfully"
        else:
            when = datetime.fromisoformat(success["end"] or success["start"])
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            health[source] = (f"stale: last success {success['end']}" if now - when > STALE_AFTER[dag_id]
                              else f"ok: last success {success['end']}")
    return health


def landed_summary(settings: Settings) -> dict[str, dict]:
    """Per source: partitions landed, rows, and the newest landing time."""
    from extractors.landing import read_manifests

    out: dict[str, dict] = {}
    for m in read_manifests(settings.raw_dir):
        entry = out.setdefault(m.get("source", "?"), {"partitions": 0, "rows": 0, "last_landed": None})
        entry["partitions"] += 1
        entry["rows"] += m.get("row_count") or 0
        entry["last_landed"] = max(filter(None, [entry["last_landed"], m.get("finished_at")]), default=None)
    return out


def status(settings: Settings | None = None) -> dict:
    from smartcity import publish

    settings = settings or get_settings()
    try:
        inputs = json.loads(settings.published_inputs_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        inputs = None
    runs = last_runs()
    return {"served": publish.current(settings), "served_inputs": inputs, "landed": landed_summary(settings),
            "last_runs": {dag: entry.get("last") for dag, entry in sorted(runs.items())},
            "sources": source_health(runs),
            "versions_kept": len(publish.list_versions(settings))}


# --- click commands ------------------------------------------------------------------------------------------

@click.command()
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice(["bps", "ckan", "regency", "spreadsheet", "reference", "staging"]),
              help="Check only these source kinds (default: everything).")
def doctor(kinds: tuple[str, ...]) -> None:
    """Check the whole configuration (sources.yml, connections, registries, weights, staging models)."""
    from smartcity.doctor import diagnose

    problems = diagnose(set(kinds) or None)
    for p in problems:
        click.echo(f"FAIL {p.what}\n     fix: {p.fix}", err=True)
    if problems:
        click.echo(f"{len(problems)} configuration problem(s)", err=True)
        sys.exit(1)
    click.echo("configuration OK: sources.yml, connections, portal registry, evaluation weights, staging models")


@click.command("status")
@click.option("--json", "as_json", is_flag=True)
def status_cmd(as_json: bool) -> None:
    """Served version and its inputs, last run per DAG, stale or blocked sources."""
    info = status()
    if as_json:
        click.echo(json.dumps(info, indent=2, default=str))
        return
    served = info["served"]
    if served:
        extra = f" (rolled back from {served['rolled_back_from']})" if served.get("rolled_back_from") else ""
        click.echo(f"served: {served['version_id']} published {served['published_at']}{extra}, "
                   f"{sum(served['row_counts'].values()):,} mart rows, {info['versions_kept']} versions kept")
        fp = (info["served_inputs"] or {}).get("fingerprint")
        click.echo(f"  built from inputs {fp[:12] if fp else 'unknown'}")
    else:
        click.echo("served: nothing published yet")
    for source, entry in sorted(info["landed"].items()):
        click.echo(f"  landed {source:<12} {entry['partitions']:>5} partitions {entry['rows']:>10,} rows, "
                   f"last {entry['last_landed']}")
    click.echo("last runs:")
    for dag_id, last in info["last_runs"].items():
        click.echo(f"  {dag_id:<22} {last['state']:<8} {last['run_id']} (ended {last['end']})" if last
                   else f"  {dag_id:<22} never")
    if not info["last_runs"]:
        click.echo("  none recorded in the Airflow metadata database")
    click.echo("sources:")
    for source, health in info["sources"].items():
        click.echo(f"  {source:<12} {health}")


@click.command()
def versions() -> None:
    """Kept warehouse versions, oldest first; `*` marks the one served."""
    from smartcity import publish

    rows = publish.version_details()
    if not rows:
        click.echo("no versions kept yet")
    for r in rows:
        mark = "*" if r["current"] else " "
        state = "served" if r["served"] else "never served"
        rows_text = f"{r['mart_rows']:,} mart rows" if r["mart_rows"] is not None else ""
        click.echo(f"{mark} {r['version_id']}  {state:<12} first served {r['first_served_at'] or '?'}  "
                   f"{rows_text}")


@click.command()
@click.option("--to", "to", default=None, metavar="VERSION", help="Serve this kept version (see `versions`).")
def rollback(to: str | None) -> None:
    """Serve the previous warehouse version (or --to VERSION) again: DuckDB, exports, and PostgreSQL when
    SMARTCITY_POSTGRES_URL is set."""
    from smartcity import publish

    try:
        result = publish.rollback(to=to)
    except publish.PublishError as exc:
        raise click.ClickException(str(exc)) from None
    where = " (PostgreSQL marts too)" if result.postgres else ""
    click.echo(f"now serving {result.version_id} (rolled back from {result.rolled_back_from}){where}")


@click.command()
@click.option("--dry-run", is_flag=True, help="Say what would be removed.")
def maintenance(dry_run: bool) -> None:
    """Retention: stale candidates in warehouse/.build/, old run logs (see docs/operations.md)."""
    from smartcity.retention import run_retention

    click.echo(json.dumps(run_retention(dry_run=dry_run), indent=2))


def backfill_args(dag_id: str, start: str, end: str, full_refresh: bool = False,
                  timezone_name: str = "Asia/Jakarta") -> list[str]:
    """`airflow backfill create` arguments for calendar dates as the DAGs read them: midnight at the start
    of `start` and of `end` in the DAGs' timezone (a bare date is UTC to Airflow: 7 hours late in Jakarta,
    which skips the first day), one run at a time (a backfill's own default is 10), and `full_refresh`."""
    import pendulum

    def midnight(day: str) -> str:
        return pendulum.parse(day, tz=timezone_name).start_of("day").isoformat()

    args = ["backfill", "create", "--dag-id", dag_id, "--from-date", midnight(start), "--to-date", midnight(end),
            "--max-active-runs", "1"]
    if full_refresh:
        args += ["--dag-run-conf", json.dumps({"full_refresh": True}), "--reprocess-behavior", "completed"]
    return args


@click.command()
@click.argument("dag_id")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day (Asia/Jakarta), inclusive.")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day (Asia/Jakarta), inclusive.")
@click.option("--full-refresh", is_flag=True, help="Fetch again what those intervals already fetched.")
@click.option("--dry-run", is_flag=True, help="Print the airflow command instead of running it.")
def backfill(dag_id: str, start: str, end: str, full_refresh: bool, dry_run: bool) -> None:
    """Backfill an extract DAG over days in Jakarta time, one run at a time (`airflow backfill create`
    against the scheduler's metadata database)."""
    import shlex
    import subprocess
    from pathlib import Path

    args = backfill_args(dag_id, start, end, full_refresh)
    airflow = str(Path(sys.executable).with_name("airflow"))
    if dry_run:
        click.echo(shlex.join([airflow, *args]))
        return
    sys.exit(subprocess.run([airflow, *args]).returncode)


COMMANDS = [doctor, status_cmd, versions, rollback, maintenance, backfill]
