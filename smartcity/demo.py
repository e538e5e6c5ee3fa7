"""`smartcity demo`: the simulator stands in for the portals, real Airflow runs the DAGs, and the
terminal shows one line per stage (full logs go to a file) and a summary at the end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from smartcity import airflow_env
from smartcity.runner import PIPELINE_DAGS
from smartcity_base.settings import Settings, get_settings


def claim_run_stamp(log_dir: Path) -> str:
    """A run's log name, claimed exclusively: two runs started in the same second get two logs."""
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for attempt in range(1000):
        stamp = f"{base}-{attempt}" if attempt else base
        try:
            with open(log_dir / f"run-{stamp}.log", "x", encoding="utf-8"):
                return stamp
        except FileExistsError:
            continue
    raise RuntimeError(f"no free run log name in {log_dir} for {base}")


def run_pipeline_with_progress(settings: Settings, extra_env: dict[str, str], dag_ids=PIPELINE_DAGS,
                               conf: dict | None = None, quiet: bool = False) -> tuple[int, Path, dict]:
    """Run the DAGs in a child process; echo its progress events; return (exit code, log file, states)."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    stamp = claim_run_stamp(settings.log_dir)
    log_file = settings.log_dir / f"run-{stamp}.log"
    progress_file = settings.log_dir / f"run-{stamp}.progress.jsonl"
    states_file = settings.log_dir / f"run-{stamp}.states.json"
    progress_file.touch()
    env = {**os.environ, **airflow_env.airflow_env(), **extra_env, "SMARTCITY_PROGRESS_FILE": str(progress_file)}
    cmd = [sys.executable, "-m", "smartcity.runner", *dag_ids, "--states-out", str(states_file)]
    if conf:
        cmd += ["--conf", json.dumps(conf)]
    started = time.monotonic()
    with open(log_file, "w", encoding="utf-8") as log, open(progress_file, encoding="utf-8") as events:
        child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        while True:
            finished = child.poll() is not None
            for line in events:
                event = json.loads(line)
                if not quiet:
                    click.echo(f"  {time.monotonic() - started:6.1f}s  {event['stage']:<9} {event['message']}")
            if finished:
                break
            time.sleep(0.2)
    states = json.loads(states_file.read_text()) if states_file.exists() else {}
    return child.returncode, log_file, states


def failure_lines(log_file: Path, limit: int = 5) -> list[str]:
    lines = [ln.strip() for ln in log_file.read_text(errors="replace").splitlines()
             if "pipeline failure" in ln or "QualityGateFailed" in ln or "TransformFailed" in ln]
    return lines[-limit:]


def warehouse_summary(settings: Settings) -> list[str]:
    import duckdb

    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        tables = con.execute("select table_name from information_schema.tables where table_schema = 'marts' "
                             "order by table_name").fetchall()
        out = ["Rows per mart:"]
        for (name,) in tables:
            count = con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            out.append(f"  marts.{name:<32} {count:>9,}")
        try:
            passed, failed, critical = con.execute(
                "select count(*) filter (where success), count(*) filter (where not success), "
                "count(*) filter (where not success and severity = 'critical') from quality.validation_results "
                "where run_id = (select max_by(run_id, validated_at) from quality.validation_results)").fetchone()
            out.append(f"Quality: {passed} expectations passed, {failed} failed ({critical} critical)")
        except duckdb.Error:
            out.append("Quality: no results recorded")
        regions = con.execute("select count(distinct region_code) from marts.fct_indicator_value").fetchone()[0]
        out.append(f"Regions covered by marts.fct_indicator_value: {regions}")
        return out
    finally:
        con.close()


def run_demo(scale: int, seed: int, latency_ms: int) -> int:
    from simulator.server import run_in_thread
    from simulator.spreadsheets import write_drops

    settings = get_settings()
    click.echo(f"smartcity demo: {scale} regions, seed {seed}")
    started = time.monotonic()
    with run_in_thread(seed=seed, scale=scale, latency_ms=latency_ms) as sim:
        click.echo(f"  simulator on {sim.base_url} (BPS, CKAN portals, regency system)")
        settings.drop_dir.mkdir(parents=True, exist_ok=True)
        write_drops(settings.drop_dir, seed=seed, scale=scale)
        extra = dict(sim.connections)
        if scale < 514:  # a scaled-down world cannot cover every region: report it, do not block on it
            extra["SMARTCITY_GX_REGION_COVERAGE"] = "warning"
        rc, log_file, states = run_pipeline_with_progress(settings, extra)
    click.echo(f"Full log: {log_file}")
    if rc != 0:
        click.secho(f"FAILED after {time.monotonic() - started:.0f}s; DAG runs: {states}", fg="red", err=True)
        for line in failure_lines(log_file):
            click.echo(f"  {line}", err=True)
        if settings.published_path.exists():
            click.echo(f"The last good warehouse is still served: {settings.published_path}", err=True)
        return 1
    click.secho(f"Done in {time.monotonic() - started:.0f}s; DAG runs: {states}", fg="green")
    for line in warehouse_summary(settings):
        click.echo(line)
    click.echo(f"Warehouse (open read-only): {settings.published_path}")
    report = settings.warehouse_dir / "report" / "index.html"
    if report.exists():
        click.echo(f"Report:       {report} (open it in a browser; works offline)")
    else:
        click.echo("Report:       not written for the served version: run `smartcity report`", err=True)
    click.echo(f"dbt docs:     {settings.docs_dir / 'dbt' / 'static_index.html'}")
    click.echo(f"GX Data Docs: {settings.docs_dir / 'gx' / 'index.html'}")
    click.echo(f"Query it:     .venv/bin/python -c \"import duckdb; print(duckdb.connect('{settings.published_path}', "
               "read_only=True).sql('select * from marts.fct_smart_city_index"
               " order by indicator_rank_national limit 5'))\"")
    return 0
