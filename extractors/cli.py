"""`extract` command group (mounted by the lead as `smartcity extract`). Connections come from the
environment (`AIRFLOW_CONN_SMARTCITY_BPS`, `..._CKAN_<PORTAL>`, `..._REGENCY_<SYSTEM>`). One progress
line per dataset; a failure is one clear line on stderr and exit code 1 (never a traceback, never a key)."""
from __future__ import annotations

import functools
import logging
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import click

from extractors.errors import ExtractError
from extractors.secrets import install_log_redaction, redact


def _run_id() -> str:
    return "cli-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _progress(line: str) -> None:
    click.echo(redact(line))


def guarded(fn):
    """Typed errors (and anything unexpected) become one redacted line and exit 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except ExtractError as exc:
            click.echo(f"error: {redact(exc)}", err=True)
        except (OSError, ValueError, KeyError) as exc:
            click.echo(f"error: {type(exc).__name__}: {redact(exc)}", err=True)
        except Exception as exc:  # the promise is "no traceback": name the type, keep it to one line
            click.echo(f"error: unexpected {type(exc).__name__}: {redact(exc)}", err=True)
        sys.exit(1)

    return wrapper


def _line(summary: dict) -> str:
    parts = [f"{summary.get('source')}/{summary.get('dataset')}/{summary.get('partition')}",
             f"{summary.get('row_count')} rows"]
    if summary.get("quarantined"):
        parts.append(f"{summary['quarantined']} quarantined")
    if summary.get("cursor"):
        parts.append(f"cursor {summary['cursor']}")
    return ": ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if parts[2:] else "")


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log HTTP activity (redacted) to stderr.")
def extract(verbose: bool) -> None:
    """Pull sources into the raw landing zone (Parquet + manifest per partition)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    if not verbose:  # retries are expected; the final outcome is reported as one line
        logging.getLogger("urllib3").setLevel(logging.ERROR)


_out = click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
                    help="Landing-zone root (e.g. data/raw).")
_run = click.option("--run-id", default=None, help="Run id recorded in the manifests.")


@extract.command("bps")
@click.option("--domain", required=True, help="BPS domain: 0000, PP00 or a 4-digit kab/kota code.")
@click.option("--var", "var", required=True, help="Variable id.")
@click.option("--th", default=None, help="tahun id(s), year - 1900, ';'-separated (default: all years).")
@_out
@_run
@guarded
def bps_cmd(domain, var, th, out, run_id):
    """One dynamic table, decoded to one row per non-empty cell."""
    from extractors import bps

    manifest = bps.land_observations(out, bps.BpsClient.from_env(), domain, var, run_id or _run_id(), th=th)
    _progress(_line(manifest))


@extract.command("bps-national")
@click.option("--var", "vars_", multiple=True,
              help="Variable id(s), asked of every domain unverified; default: each domain's discovered variable map.")
@click.option("--year", "years", multiple=True, type=int)
@_out
@_run
@guarded
def bps_national_cmd(vars_, years, out, run_id):
    """All province domains x the tables their variable maps match to catalogue indicators, in parallel."""
    from extractors import bps

    bps.extract_national(out, run_id or _run_id(), indicator_vars=list(vars_) or None,
                         years=list(years) or None, progress=_progress)


@extract.command("bps-statictable")
@click.option("--domain", required=True)
@click.option("--id", "table_id", required=True)
@_out
@_run
@guarded
def bps_statictable_cmd(domain, table_id, out, run_id):
    """One static table with its merged header rebuilt into flat column names."""
    from extractors import bps

    manifest = bps.land_statictable(out, bps.BpsClient.from_env(), domain, table_id, run_id or _run_id())
    _progress(_line(manifest))


@extract.command("ckan")
@click.option("--portal", required=True, help="Portal name: AIRFLOW_CONN_SMARTCITY_CKAN_<PORTAL>.")
@click.option("--since", default="auto", show_default=True,
              help="metadata_modified cursor; 'auto' = the last landed cursor, 'full' = everything.")
@click.option("--organization", default=None)
@click.option("--datastore", "resources", multiple=True, help="Also land these datastore resource ids.")
@_out
@_run
@guarded
def ckan_cmd(portal, since, organization, resources, out, run_id):
    """The portal's packages changed since the cursor (and optionally datastore resources)."""
    from extractors import ckan

    run_id = run_id or _run_id()
    since_value = None if since == "full" else since
    summary = ckan.extract_portal(out, portal, run_id, since=since_value, organization=organization)
    _progress(_line(summary))
    for resource_id in resources:
        _progress(_line(ckan.extract_datastore(out, portal, resource_id, run_id)))


@extract.command("regency")
@click.option("--system", required=True, help="A system of extractors/sources.yml.")
@click.option("--entity", "entities", multiple=True, help="Entity (default: all of the system).")
@click.option("--full", is_flag=True, help="Ignore the cursor and pull everything.")
@_out
@_run
@guarded
def regency_cmd(system, entities, full, out, run_id):
    """A regency REST system declared in sources.yml; incremental by its cursor field."""
    from extractors import regency

    for summary in regency.extract_system(out, system, run_id or _run_id(), entities=list(entities) or None,
                                          full=full):
        _progress(_line(summary))


@extract.command("spreadsheet")
@click.option("--path", "path", required=True, type=click.Path(exists=True, path_type=Path),
              help="A drop file, or a drop folder.")
@_out
@click.option("--quarantine", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Quarantine root (default: <out>/../quarantine).")
@click.option("--dataset", default="indicators", show_default=True)
@_run
@guarded
def spreadsheet_cmd(path, out, quarantine, dataset, run_id):
    """XLSX/CSV drops to tidy rows; unresolved rows go to quarantine with the reason."""
    from extractors import spreadsheet

    quarantine = quarantine or out.parent / "quarantine"
    run_id = run_id or _run_id()
    if path.is_dir():
        summaries = spreadsheet.extract_drop_folder(path, out, quarantine, run_id)
    else:
        summaries = [spreadsheet.extract_file(path, out, quarantine, run_id, dataset=dataset)]
    failed = [s for s in summaries if s.get("status") == "failed"]
    for summary in summaries:
        _progress(_line(summary) if summary.get("status") != "failed" else f"{summary['file']}: {summary['error']}")
    if failed:
        raise ExtractError(f"{len(failed)} drop file(s) could not be read")


def main() -> None:  # `python -m extractors.cli`
    extract()


if __name__ == "__main__":
    main()
