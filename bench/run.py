"""`python -m bench.run [names...] [--repeat N] [--quick]` (`make bench` runs them all).

Each benchmark runs its measured work in child processes, takes medians of N repeats (default 3;
`--quick`: 1 repeat at a smaller scale) and is merged into `bench/results.json` (machine-readable) and
`bench/results.md` (a table per benchmark with the exact command that produced it, targets met or not).
Running a subset keeps the other benchmarks' last results. A benchmark whose part of the project cannot
be imported yet reports "not available" instead of failing the whole run."""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
import time
import traceback

from bench import harness

BENCHMARKS = {
    "extract": "bench.extract",
    "pipeline": "bench.pipeline",
    "dbt_vs_sql": "bench.dbt_vs_sql",
    "gx": "bench.gx",
    "publish": "bench.publish",
    "dag_parse": "bench.dag_parse",
    "report": "bench.report",
}
RESULTS_JSON = harness.BENCH_DIR / "results.json"
RESULTS_MD = harness.BENCH_DIR / "results.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--repeat", type=int, default=None, help="repeats per benchmark (median); default 3")
    parser.add_argument("--quick", action="store_true", help="1 repeat at a smaller scale (a smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print the results, do not update bench/")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    args.repeat = args.repeat or (1 if args.quick else 3)
    names = args.names or list(BENCHMARKS)
    command = "python -m bench.run " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))

    results = _load()
    results["meta"] = {
        "last_command": command.strip(),
        "date": harness.now_iso(),
        "git_commit": harness.git_commit(),
        **harness.machine(),
    }
    meta = results["meta"]
    failed = False
    for name in names:
        print(f"== {name} (repeat {args.repeat}{', quick' if args.quick else ''})", flush=True)
        started = time.monotonic()
        entry = {
            "command": command.strip(),
            "date": harness.now_iso(),
            "git_commit": results["meta"]["git_commit"],
            "python": results["meta"]["python"],
            "cpu_count": results["meta"]["cpu_count"],
            "loadavg_at_start": results["meta"]["loadavg_at_start"],
            "repeat": args.repeat,
            "quick": args.quick,
        }
        try:
            module = importlib.import_module(BENCHMARKS[name])
            entry.update(module.bench(args))
            entry["status"] = "ok"
        except harness.NotAvailable as exc:
            entry.update(status="not available", error=str(exc))
            print(f"   not available: {exc}", flush=True)
        except Exception as exc:  # one benchmark failing must not lose the others
            failed = True
            entry.update(
                status="failed", error=f"{type(exc).__name__}: {exc}"[:3000], traceback=traceback.format_exc()[-4000:]
            )
            print(f"   FAILED: {entry['error'][:1500]}", flush=True)
        entry["bench_elapsed_s"] = round(time.monotonic() - started, 1)
        for t in entry.get("targets", []):
            print(f"   {'MET    ' if t['met'] else 'NOT MET'} {t['name']}: {t['value']} (target {t['target']})")
        if not args.no_write:
            results = _load()  # merge into what is on disk now (another invocation may have written since)
            results["meta"] = meta
            results.setdefault("benchmarks", {})[name] = entry
            _write(results)
    print(f"results: {RESULTS_MD}", flush=True)
    return 1 if failed else 0


def _load() -> dict:
    try:
        return json.loads(RESULTS_JSON.read_text())
    except (OSError, ValueError):
        return {}


def _round(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


def _write(results: dict) -> None:
    ordered = {
        "meta": results.get("meta", {}),
        "benchmarks": {n: results["benchmarks"][n] for n in BENCHMARKS if n in results.get("benchmarks", {})},
    }
    RESULTS_JSON.write_text(json.dumps(_round(ordered), indent=2, default=str) + "\n")
    RESULTS_MD.write_text(render_markdown(ordered))


TITLES = {
    "extract": "Extraction throughput vs ckanapi and a sequential client (issue 3)",
    "pipeline": "Full national pipeline run and incremental rerun (issue 8)",
    "dbt_vs_sql": "dbt build vs the same transformations as one plain DuckDB SQL script (issue 4)",
    "gx": "Great Expectations validation of the national marts (issue 5)",
    "publish": "DuckDB swap and PostgreSQL publish (issue 6)",
    "dag_parse": "DAG parse time per file (issue 7)",
}


def render_markdown(results: dict) -> str:
    meta = results.get("meta", {})
    lines = [
        "# Benchmarks",
        "",
        "Generated by `bench/run.py` (`make bench` = `python -m bench.run`); machine-readable copy in "
        "`bench/results.json`. Each benchmark's measured work runs in child processes; numbers are "
        "medians of the stated number of repeats (the machine is shared and noisy: other test suites run "
        "on the same 2 cores). Peak RSS = the high-water mark of the largest process of the child's tree (its "
        "own VmHWM since exec, and the ru_maxrss of the descendants it waited for, e.g. dbt); *tree* RSS = "
        "sum over the process tree sampled every 50 ms (psutil).",
        "",
        f"Last invocation: `{meta.get('last_command', '')}` on {meta.get('date', '')}, commit "
        f"`{meta.get('git_commit', '')}`, Python {meta.get('python', '')}, {meta.get('cpu_count', '')} CPUs, "
        f"{meta.get('memory_gb', '')} GiB, {meta.get('platform', '')}.",
        "",
    ]
    summary = []
    for name, entry in results.get("benchmarks", {}).items():
        for t in entry.get("targets", []):
            summary.append([name, t["name"], t["target"], str(t["value"]), "**met**" if t["met"] else "**NOT met**"])
        if entry.get("status") != "ok":
            summary.append([name, "(benchmark)", "", entry.get("status", ""), entry.get("status", "")])
    if summary:
        lines += [
            "## Targets",
            "",
            *_table(["benchmark", "target", "wanted", "measured (median)", "status"], summary),
            "",
        ]
    for name, entry in results.get("benchmarks", {}).items():
        lines += [
            f"## `{name}`: {TITLES.get(name, name)}",
            "",
            f"Command: `{entry.get('command')}` · {entry.get('date')} · commit `{entry.get('git_commit')}` · "
            f"Python {entry.get('python')} · {entry.get('cpu_count')} CPUs · load average at start "
            f"{entry.get('loadavg_at_start')} · repeats: {entry.get('repeat')}"
            f"{' (quick)' if entry.get('quick') else ''} · took {entry.get('bench_elapsed_s')} s",
            "",
        ]
        if entry.get("status") != "ok":
            lines += [f"**Status: {entry.get('status')}.** {_md_escape(entry.get('error', ''))}", ""]
        if entry.get("params"):
            lines += ["Parameters: " + ", ".join(f"{k}={v}" for k, v in entry["params"].items()), ""]
        for table in entry.get("tables", []):
            lines += [f"**{table['title']}**", "", *_table(table["columns"], table["rows"]), ""]
        if entry.get("targets"):
            lines += _table(
                ["target", "wanted", "measured (median)", "status"],
                [[t["name"], t["target"], str(t["value"]), "met" if t["met"] else "NOT met"] for t in entry["targets"]],
            )
            lines.append("")
        for note in entry.get("notes", []):
            lines.append(f"- {note}")
        if entry.get("notes"):
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(columns: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    out += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return out


if __name__ == "__main__":
    sys.exit(main())
