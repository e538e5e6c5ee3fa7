"""DAG parse time per file (issue 7): target < 0.5 s each beyond the base Airflow import.

The dag-processor forks one process per DAG file from a manager that has Airflow imported already, and
reports that file's DagBag load duration (`dagbag_stats[].duration`, shown by `airflow dags report`).
Here each file is parsed in a fresh child that first imports Airflow (`airflow`, `airflow.sdk`, the
DagBag) -- the base, timed on its own -- and then loads only that file with `DagBag(dag_folder=file)`:
the file's `duration` is everything that file costs beyond the base import, including the project
modules it pulls in (nothing is shared with the other DAG files, as in a freshly forked processor).
`airflow dags report -o json` (all files in one process, in folder order) is run too, as Airflow prints it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench import harness

TARGET_S = 0.5
DAGS_DIR = harness.PROJECT_ROOT / "dags"


def parse_file(path: str) -> dict:
    t0 = time.perf_counter()
    import airflow  # noqa: F401
    import airflow.sdk  # noqa: F401
    from airflow.dag_processing.dagbag import DagBag

    t1 = time.perf_counter()
    bag = DagBag(dag_folder=path)
    t2 = time.perf_counter()
    stats = bag.dagbag_stats  # one FileLoadStat: this file (its `file` is relative to the bundle path)
    duration = sum(s.duration.total_seconds() for s in stats) if stats else None
    return {
        "base_import_s": t1 - t0,
        "dagbag_s": t2 - t1,
        "reported_s": duration,
        "dags": len(bag.dags),
        "tasks": sum(len(d.tasks) for d in bag.dags.values()),
        "import_errors": len(bag.import_errors),
        "errors": {k: str(v)[:300] for k, v in bag.import_errors.items()},
    }


def _dags_report(env: dict) -> dict[str, float]:
    airflow = Path(sys.executable).with_name("airflow")
    proc = subprocess.run(
        [str(airflow), "dags", "report", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=harness.PROJECT_ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"airflow dags report failed: {proc.stderr[-800:]}")
    rows = next((json.loads(line) for line in proc.stdout.splitlines() if line.startswith("[{")), None)
    if rows is None:
        raise RuntimeError(f"no JSON in `airflow dags report` output: {proc.stdout[-500:]}")
    out = {}
    for row in rows:
        d = str(row.get("duration", ""))
        try:  # "0:00:00.123456"
            h, mnt, s = d.split(":")
            out[Path(row["file"]).name] = int(h) * 3600 + int(mnt) * 60 + float(s)
        except ValueError:
            pass
    return out


def bench(opts) -> dict:
    from smartcity.airflow_env import airflow_env

    files = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
    runs = []
    errors: dict = {}
    with harness.workdir("dagparse") as root:
        env = harness.project_env(
            root, {**airflow_env(root / "airflow"), "SMARTCITY_AIRFLOW_HOME": str(root / "airflow")}
        )
        env["PYTHONPATH"] = harness.project_env()["PYTHONPATH"]
        harness.run_child(
            "smartcity.runner:ensure_metadata_db",
            {"env": env},
            env=env,
            log_dir=root / "logs",
            label="airflow-migrate",
            timeout=600,
        )  # `airflow dags report` needs a migrated DB
        for _ in range(max(opts.repeat, 3)):  # cheap: always at least 3 repeats
            run = {}
            for f in files:
                res = harness.run_child(
                    "bench.dag_parse:parse_file",
                    {"path": str(f)},
                    env=env,
                    log_dir=root / "logs",
                    label=f"parse-{f.stem}",
                    timeout=300,
                )
                run[f"{f.name}.reported_s"] = res.result["reported_s"]
                run[f"{f.name}.dagbag_s"] = res.result["dagbag_s"]
                run[f"{f.name}.base_import_s"] = res.result["base_import_s"]
                run[f"{f.name}.process_wall_s"] = res.wall_s
                run[f"{f.name}.peak_rss_mb"] = res.peak_rss_mb
                run[f"{f.name}.dags"] = res.result["dags"]
                run[f"{f.name}.tasks"] = res.result["tasks"]
                run[f"{f.name}.import_errors"] = res.result["import_errors"]
                errors.update(res.result["errors"])
            try:
                for name, seconds in _dags_report(env).items():
                    run[f"{name}.dags_report_s"] = seconds
            except (RuntimeError, subprocess.SubprocessError, ValueError) as exc:
                errors["airflow dags report"] = str(exc)[:500]
            runs.append(run)
    m = harness.medians(runs)
    f = lambda v, d=3: "n/a" if v is None else f"{v:.{d}f}"  # noqa: E731
    rows, targets = [], []
    for p in files:
        n = p.name
        rows.append(
            [
                n,
                f(m.get(f"{n}.reported_s")),
                f(m.get(f"{n}.dags_report_s")),
                f(m.get(f"{n}.base_import_s"), 2),
                f(m.get(f"{n}.process_wall_s"), 2),
                int(m.get(f"{n}.dags", 0)),
                int(m.get(f"{n}.tasks", 0)),
                int(m.get(f"{n}.import_errors", 0)),
            ]
        )
        value = m.get(f"{n}.reported_s")
        targets.append(
            {
                "name": f"parse time of dags/{n}",
                "target": f"< {TARGET_S} s",
                "value": None if value is None else round(value, 3),
                "met": value is not None and value < TARGET_S and not m.get(f"{n}.import_errors"),
            }
        )
    table = {
        "title": "Per DAG file (medians)",
        "columns": [
            "file",
            "parse s (fresh processor, beyond base import)",
            "`airflow dags report` s (shared process)",
            "base Airflow import s",
            "child process wall s",
            "DAGs",
            "tasks",
            "import errors",
        ],
        "rows": rows,
    }
    notes = [
        "`airflow dags report` parses every file in one process in folder order, so the files after the first "
        "find the project's shared modules (smartcity.dag_support, assets) already imported; the fresh-processor "
        "column is the stricter number."
    ]
    if errors:
        notes.append(f"Import errors: {errors}")
    return {
        "params": {"files": len(files), "repeats": max(opts.repeat, 3)},
        "metrics": m,
        "runs": runs,
        "tables": [table],
        "targets": targets,
        "notes": notes,
    }
