"""`smartcity report`: write the evaluation report for the served warehouse."""
from __future__ import annotations

import click


@click.command()
@click.option("--year", type=int, default=None, help="The year of the national overview (default: the latest).")
@click.option("--region", default=None,
              help="Write only this region's scorecard (Kemendagri code, e.g. 16.05) into --out "
                   "(default ./report-CODE); the served report is left as it is.")
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder to write. Default: the served version's report, linked as warehouse/report and "
                   "rolled back with the warehouse.")
def report(year: int | None, region: str | None, lang: str, out_dir: str | None) -> None:
    """The evaluation report (national overview, program impact, data quality, one scorecard per region)
    as a static site that opens offline."""
    from smartcity.report import ReportError, build_report, publish_report

    try:
        if out_dir or region:
            result = build_report(out_dir=out_dir, year=year, region=region, lang=lang)
        else:
            result = publish_report(lang=lang, year=year)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(result))
