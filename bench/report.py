"""The evaluation report (issue 14) on the national warehouse: all 514 scorecards plus the national pages
from a published version, target under 30 s on the reference machine and the folder under 50 MB. The
Vega bundle is cached between runs (built once per vl-convert version), so it is warmed before timing."""
from __future__ import annotations

import time

from bench import harness, national

TARGET_S = 30.0
TARGET_MB = 50.0


def build(candidate: str) -> dict:
    from smartcity import publish
    from smartcity.report import publish_report
    from smartcity.report.assets import vega_bundle

    publish.publish(candidate, exports=False, postgres_dsn="")
    vega_bundle()
    started = time.perf_counter()
    result = publish_report()
    return {"seconds": time.perf_counter() - started, "pages": result.pages, "regions": result.regions,
            "mb": result.bytes / 1e6}


def bench(opts) -> dict:
    harness.check_import("smartcity.report")
    root, env, candidate = national.candidate(opts.quick)
    runs = []
    for i in range(opts.repeat):
        res = harness.run_child("bench.report:build", {"candidate": str(candidate)}, env=env,
                                log_dir=root / "bench-logs", label=f"report-{i}", timeout=900)
        runs.append({**res.metrics(), **res.result})
    m = harness.medians(runs)
    return {
        "params": {"scale": 60 if opts.quick else 514},
        "metrics": m,
        "runs": runs,
        "tables": [{
            "title": "Evaluation report from the published national warehouse (medians)",
            "columns": ["what", "seconds", "pages", "scorecards", "MB", "peak RSS MB"],
            "rows": [["smartcity report (all pages)", f"{m['seconds']:.2f}", int(m["pages"]), int(m["regions"]),
                      f"{m['mb']:.1f}", f"{m['peak_rss_mb']:.0f}"]],
        }],
        "targets": [
            {"name": "report: 514 scorecards + national pages", "target": f"< {TARGET_S:g} s",
             "value": round(m["seconds"], 2), "met": m["seconds"] < TARGET_S},
            {"name": "report folder size", "target": f"< {TARGET_MB:g} MB", "value": round(m["mb"], 1),
             "met": m["mb"] < TARGET_MB},
        ],
        "notes": ["The report is written by its own Airflow task after publish; this is that task's work "
                  "(`smartcity.report.publish_report`), measured in a child process.", *national.warnings],
    }
