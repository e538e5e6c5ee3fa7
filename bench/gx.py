"""GX validation time of the national marts (`expectations.runner.audit`, the mart suites, Data Docs
included) on a national candidate, and of the raw-boundary suites over the national landing zone
(`expectations.runner.audit_raw`). Target from issue 5: seconds, not minutes (taken as < 60 s)."""

from __future__ import annotations

import time

from bench import harness, national

TARGET_S = 60.0


def gx_marts(candidate: str, docs_dir: str, run_id: str) -> dict:
    from expectations import runner

    started = time.perf_counter()
    result = runner.audit(candidate, run_id=run_id, docs_dir=docs_dir)
    seconds = time.perf_counter() - started
    s = result.summary()
    return {
        "seconds": seconds,
        "evaluated": s["evaluated"],
        "passed": s["passed"],
        "failed": s["failed"],
        "critical_failed": s["critical_failed"],
        "rows": sum(result.row_counts.values()),
        "skipped_tables": len(s["skipped"]),
    }


def gx_raw(raw_dir: str, docs_dir: str, state_dir: str, run_id: str) -> dict:
    from expectations import runner

    started = time.perf_counter()
    result = runner.audit_raw(raw_dir, run_id=run_id, docs_dir=docs_dir, state_dir=state_dir)
    seconds = time.perf_counter() - started
    s = result.summary()
    return {
        "seconds": seconds,
        "evaluated": s["evaluated"],
        "passed": s["passed"],
        "failed": s["failed"],
        "critical_failed": s["critical_failed"],
    }


def bench(opts) -> dict:
    harness.check_import("expectations.runner")
    root, env, candidate = national.candidate(opts.quick)
    logs = root / "bench-logs"
    runs = []
    for i in range(opts.repeat):
        run = {}
        res = harness.run_child(
            "bench.gx:gx_marts",
            {"candidate": str(candidate), "docs_dir": str(root / f"gx-docs-{i}"), "run_id": f"bench-gx-{i}"},
            env=env,
            log_dir=logs,
            label=f"gx-marts-{i}",
            timeout=1200,
        )
        run.update({f"marts.{k}": v for k, v in res.metrics().items()})
        run.update({f"marts.{k}": v for k, v in res.result.items()})
        res = harness.run_child(
            "bench.gx:gx_raw",
            {
                "raw_dir": str(root / "data" / "raw"),
                "docs_dir": str(root / f"gx-raw-docs-{i}"),
                "state_dir": str(root / f"gx-state-{i}"),
                "run_id": f"bench-gxr-{i}",
            },
            env=env,
            log_dir=logs,
            label=f"gx-raw-{i}",
            timeout=1200,
        )
        run.update({f"raw.{k}": v for k, v in res.metrics().items()})
        run.update({f"raw.{k}": v for k, v in res.result.items()})
        runs.append(run)
    m = harness.medians(runs)
    f = lambda v, d=1: "n/a" if v is None else f"{v:.{d}f}"  # noqa: E731
    table = {
        "title": "GX validation (medians)",
        "columns": [
            "suites",
            "validation s (in process)",
            "process wall s (incl. imports)",
            "expectations",
            "failed (critical)",
            "peak RSS MB",
        ],
        "rows": [
            [
                f"marts ({int(m.get('marts.rows', 0)):,} mart rows)",
                f(m["marts.seconds"], 2),
                f(m["marts.wall_s"]),
                int(m["marts.evaluated"]),
                f"{int(m['marts.failed'])} ({int(m['marts.critical_failed'])})",
                f(m["marts.peak_rss_mb"], 0),
            ],
            [
                "raw boundary (landing zone)",
                f(m["raw.seconds"], 2),
                f(m["raw.wall_s"]),
                int(m["raw.evaluated"]),
                f"{int(m['raw.failed'])} ({int(m['raw.critical_failed'])})",
                f(m["raw.peak_rss_mb"], 0),
            ],
        ],
    }
    return {
        "params": {"scale": 60 if opts.quick else 514, "candidate": "dbt build of the national landing zone"},
        "metrics": m,
        "runs": runs,
        "tables": [table],
        "targets": [
            {
                "name": "GX mart validation of the national marts",
                "target": f"< {TARGET_S:g} s (seconds, not minutes)",
                "value": round(m["marts.seconds"], 2),
                "met": m["marts.seconds"] < TARGET_S,
            }
        ],
        "notes": [
            "Validation time is `runner.audit(...)` inside the child (GX context, DataFrame batches read from "
            "DuckDB, every expectation, Data Docs build); the process wall adds interpreter start and the "
            "GX import (several seconds).",
            *national.warnings,
        ],
    }
