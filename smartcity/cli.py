"""`smartcity`: the operator's command line (simulator, extractors, pipeline, publish, docs)."""
from __future__ import annotations

import sys

import click


# Operator commands, in their own module (smartcity/operations.py, docs/operations.md).
OPERATIONS = {name: f"smartcity.operations:{attr}" for name, attr in (
    ("doctor", "doctor"), ("status", "status_cmd"), ("versions", "versions"), ("rollback", "rollback"),
    ("backfill", "backfill"), ("maintenance", "maintenance"))}


class LazyGroup(click.Group):
    """Subcommands imported on first use: `smartcity --help` stays fast and light."""

    lazy = {
        "simulate": "simulator.cli:simulate",
        "extract": "extractors.cli:extract",
        "report": "smartcity.report.cli:report",
        "impact": "smartcity.impact:impact",
        "bps": "extractors.bps_cli:bps",
        **OPERATIONS,
    }

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name):
        if name in self.lazy:
            import importlib

            module, attr = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
def main() -> None:
    """Smart City program-evaluation warehouse."""


@main.command()
@click.option("--scale", default=514, show_default=True, help="How many regions the simulator serves.")
@click.option("--seed", default=42, show_default=True)
@click.option("--latency", default=0, show_default=True, help="Simulated latency per request, ms.")
def demo(scale: int, seed: int, latency: int) -> None:
    """Run the whole pipeline under Airflow against the simulator and publish the warehouse."""
    from smartcity.demo import run_demo

    sys.exit(run_demo(scale=scale, seed=seed, latency_ms=latency))


@main.command()
@click.argument("dag_ids", nargs=-1)
@click.option("--evaluation-year", type=int, default=None)
def run(dag_ids: tuple[str, ...], evaluation_year: int | None) -> None:
    """Run the DAGs with real Airflow against the configured connections (AIRFLOW_CONN_*)."""
    from smartcity.demo import failure_lines, run_pipeline_with_progress
    from smartcity.runner import PIPELINE_DAGS
    from smartcity_base.settings import get_settings

    conf = {"evaluation_year": evaluation_year} if evaluation_year else None
    rc, log_file, states = run_pipeline_with_progress(get_settings(), {}, dag_ids or PIPELINE_DAGS, conf)
    click.echo(f"DAG runs: {states}; full log: {log_file}")
    for line in failure_lines(log_file) if rc else []:
        click.echo(f"  {line}", err=True)
    sys.exit(rc)


@main.command()
@click.option("--serve", is_flag=True, help="Serve the docs over HTTP on loopback instead of printing the path.")
@click.option("--port", default=8081, show_default=True)
def docs(serve: bool, port: int) -> None:
    """The one entry point to the dbt docs and the GX Data Docs."""
    import functools
    import http.server

    from smartcity_base.settings import get_settings

    settings = get_settings()
    index = settings.docs_dir / "index.html"
    if not index.exists():
        raise click.ClickException(f"no docs yet in {settings.docs_dir}: run `make demo` first")
    if not serve:
        click.echo(index)
        return
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(settings.docs_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        click.echo(f"docs on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
        server.serve_forever()


@main.command("airflow-env")
def airflow_env_cmd() -> None:
    """Print the environment that points Airflow at this project (eval "$(smartcity airflow-env)")."""
    from smartcity.airflow_env import airflow_env

    for key, value in airflow_env().items():
        click.echo(f"export {key}='{value}'")


if __name__ == "__main__":
    main()
