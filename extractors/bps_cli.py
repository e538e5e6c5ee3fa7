"""`smartcity bps ...`: BPS variable discovery (the variable map an analyst reviews)."""
from __future__ import annotations

import click


@click.group()
def bps() -> None:
    """BPS WebAPI: variable discovery and matching."""


@bps.command("discover")
@click.option("--domain", "domains", multiple=True, required=True,
              help="BPS domain id (0000, PP00, or a kab/kota code).")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="CSV file for the variable map.")
def discover(domains: tuple[str, ...], out: str) -> None:
    """Fetch the domains' variable lists and write the variable map (matched / ambiguous / missing /
    overridden, with title, unit, score and reason)."""
    from extractors import bps as bps_extractor, bps_discovery
    from extractors.errors import ExtractError

    client = bps_extractor.BpsClient.from_env()
    rules, overrides = bps_discovery.load_rules(), bps_discovery.load_overrides()
    entries = []
    try:
        for domain in domains:
            found = bps_discovery.discover_domain(client, domain, rules, overrides)
            counts: dict[str, int] = {}
            for e in found:
                counts[e.status] = counts.get(e.status, 0) + 1
            click.echo(f"domain {domain}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())), err=True)
            entries += found
    except ExtractError as exc:
        raise click.ClickException(str(exc)) from exc
    n = bps_discovery.write_map_csv(entries, out)
    click.echo(f"wrote {n} rows to {out}")
