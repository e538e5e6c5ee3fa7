"""A national-scale landing zone and built candidate, shared by the dbt_vs_sql, gx and publish
benchmarks of one `bench.run` invocation (built once, before any timer starts, then removed at exit)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from bench import harness

_cache: dict = {}
warnings: list[str] = []  # about the shared candidate, for the benchmarks' notes


def landing_zone(quick: bool) -> tuple[Path, dict]:
    """(root, env): every source extracted at 0 ms latency into `root` (relocated project paths)."""
    scale = 60 if quick else 514
    if ("landing", scale) in _cache:
        return _cache["landing", scale]
    harness.check_import("smartcity.pipeline")
    root = Path(tempfile.mkdtemp(prefix="smartcity-bench-national-"))
    if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 keeps the folder for a post-mortem
        atexit.register(shutil.rmtree, root, True)
    from bench.pipeline import bps_interval_end
    from simulator.spreadsheets import write_drops

    env = harness.project_env(root)
    write_drops(root / "data" / "drop", seed=0, scale=scale)
    with harness.simulator(latency_ms=0, scale=scale) as sim:
        env = harness.project_env(root, sim.connections)
        print(f"   preparing a {scale}-region landing zone in {root}", flush=True)
        harness.run_child(
            "bench.pipeline:stage_extract",
            {"run_id": "bench-setup", "bps_fresh_since": bps_interval_end()},
            env=env,
            log_dir=root / "bench-logs",
            label="setup-extract",
            timeout=1200,
        )
    env = harness.project_env(root)  # nothing after this talks to the simulator
    _cache["landing", scale] = (root, env)
    return root, env


def candidate(quick: bool) -> tuple[Path, dict, Path]:
    """(root, env, candidate path): the landing zone built by `smartcity.pipeline.build_candidate`.
    A failing dbt test is reported as NotAvailable with dbt's message (the warehouse part is unfinished)."""
    root, env = landing_zone(quick)
    key = ("candidate", root)
    if key in _cache:
        return _cache[key]
    print("   building the national candidate (dbt build)", flush=True)
    res = harness.run_child(
        "bench.pipeline:stage_dbt",
        {"run_id": "bench-setup"},
        env=env,
        log_dir=root / "bench-logs",
        label="setup-dbt",
        timeout=1800,
        check=False,
    )
    path = root / "warehouse" / ".build" / "candidate-bench-setup.duckdb"
    warnings.clear()
    if not res.ok:
        if not path.exists():
            raise harness.NotAvailable(f"the national candidate does not build: {res.error}")
        # dbt built the models but a test failed (models downstream of it are skipped): measure anyway
        warnings.append(f"`dbt build` of the national candidate failed, measured on what it built: {res.error}")
    _cache[key] = (root, env, path)
    return _cache[key]
