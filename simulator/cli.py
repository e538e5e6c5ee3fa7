"""`simulate`: serve the simulated outside world until Ctrl-C (wired into the `smartcity` CLI)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from simulator import faults as faults_mod
from simulator import server, world


def startup_lines(sim, host: str, port: int) -> list[str]:
    base = f"http://{host}:{port}"
    lines = [f"Simulator (seed {sim.seed}, {len(sim.served)} regions) on {base}",
             f"  BPS WebAPI        {base}/bps/v1/api/",
             *[f"  CKAN {p:<12} {base}/ckan/{p}/api/3/action/" for p in server.PORTALS],
             f"  Regency monev     {base}/regency/monev/api/v1/",
             f"  Admin             {base}/_admin/faults  {base}/_admin/truth",
             "", "# point clients at it:"]
    lines += [f"export {k}='{v}'" for k, v in server.connections(sim, host, port).items()]
    return lines


@click.command("simulate")
@click.option("--port", default=8765, show_default=True, help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--scale", default=514, show_default=True, help="Regions served (participants always).")
@click.option("--latency", default=0.0, show_default=True, help="Milliseconds added to every request.")
@click.option("--faults", default="", help=f"Comma list of: {', '.join(faults_mod.DEFAULTS)}.")
@click.option("--bps-key", default=None, help="BPS App ID to accept (default: random per start).")
@click.option("--drop-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write the spreadsheet drops here.")
@click.option("--bad-rows", default=0.0, show_default=True, help="Share of planted bad rows in the drops.")
@click.option("--truth-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the planted program effect as JSON here.")
def simulate(port, host, seed, scale, latency, faults, bps_key, drop_dir, bad_rows, truth_out):
    """Serve BPS, CKAN and regency APIs plus spreadsheet drops, deterministic for a seed."""
    try:
        chosen = faults_mod.normalise(faults)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    if truth_out:
        truth_out.parent.mkdir(parents=True, exist_ok=True)
        truth_out.write_text(json.dumps(world.planted_truth(seed), indent=2))
        click.echo(f"planted truth -> {truth_out}")
    if drop_dir:
        from simulator.drops import write_drops
        result = write_drops(drop_dir, seed=seed, scale=scale, bad_rows_fraction=bad_rows)
        click.echo(f"spreadsheet drops -> {drop_dir} ({len(result['files'])} files)")

    def announce(sim, h, p):
        for line in startup_lines(sim, h, p):
            click.echo(line)
        click.echo("\nCtrl-C to stop.")

    server.serve_forever(seed=seed, scale=scale, latency_ms=latency, faults=chosen, bps_key=bps_key,
                         port=port, host=host, on_start=announce)


main = simulate

if __name__ == "__main__":
    main()
