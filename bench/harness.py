"""What every benchmark shares: child processes measured for wall time and peak memory, the simulator,
the relocated project environment, medians, and "not available" when another part cannot be imported.

Peak memory is measured two ways for each child:
- `peak_rss_mb`: the largest single process of the child's tree: the child's own VmHWM (high-water
  mark since exec) and the ru_maxrss of the descendants it waited for (dbt, an Airflow runner...). Not
  the child's own ru_maxrss from `wait4`: Linux folds the forking parent's RSS into it at exec, so it
  would report this (simulator-holding) parent's size;
- `peak_tree_rss_mb`: the sum of RSS over the whole process tree (psutil), sampled every 50 ms, so
  concurrent processes (Airflow + dbt) add up. Sampling can miss spikes shorter than 50 ms.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
SAMPLE_INTERVAL_S = 0.05

NO_TELEMETRY = {
    "DO_NOT_TRACK": "1",
    "SCARF_ANALYTICS": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
}


class ChildFailed(RuntimeError):
    def __init__(self, message: str, record: dict | None = None):
        super().__init__(message)
        self.record = record or {}


class NotAvailable(RuntimeError):
    """A part another engineer is finishing cannot be imported or run yet: the benchmark is skipped."""


@dataclass
class ChildResult:
    ok: bool
    wall_s: float  # whole child, interpreter start to exit
    work_s: float | None  # inside the child, after imports (the measured function only)
    import_s: float | None
    peak_rss_mb: float  # largest single process (wait4 ru_maxrss)
    peak_tree_rss_mb: float  # sum over the process tree, sampled
    result: dict = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    log: str | None = None

    def metrics(self, prefix: str = "") -> dict[str, float]:
        out = {
            f"{prefix}wall_s": self.wall_s,
            f"{prefix}peak_rss_mb": self.peak_rss_mb,
            f"{prefix}peak_tree_rss_mb": self.peak_tree_rss_mb,
        }
        if self.work_s is not None:
            out[f"{prefix}work_s"] = self.work_s
        return out


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_child(
    target: str,
    kwargs: dict | None = None,
    *,
    env: dict | None = None,
    timeout: float = 900,
    log_dir: Path | None = None,
    label: str | None = None,
    check: bool = True,
) -> ChildResult:
    """Run `module:function(**kwargs)` in a fresh interpreter (`bench.worker`) and measure it."""
    import psutil

    log_dir = Path(log_dir or tempfile.gettempdir())
    log_dir.mkdir(parents=True, exist_ok=True)
    label = label or target.replace(":", "-").replace(".", "_")
    fd, out_path = tempfile.mkstemp(prefix=f"{label}-", suffix=".json", dir=log_dir)
    os.close(fd)
    log_path = log_dir / f"{label}.log"
    cmd = [sys.executable, "-m", "bench.worker", target, json.dumps(kwargs or {}), out_path]
    with open(log_path, "ab") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=env if env is not None else os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ps = psutil.Process(proc.pid)
        peak_tree = 0
        status = None
        rusage = None
        timed_out = False
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss(ps))
            if time.perf_counter() - started > timeout:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # our own child's session only
                except ProcessLookupError:
                    pass
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(SAMPLE_INTERVAL_S)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        record = json.loads(Path(out_path).read_text() or "{}")
    except (OSError, ValueError):
        record = {}
    Path(out_path).unlink(missing_ok=True)
    peak_rss_mb = _peak_from_record(record, rusage)
    res = ChildResult(
        ok=bool(record.get("ok")) and proc.returncode == 0 and not timed_out,
        wall_s=wall,
        work_s=record.get("work_s"),
        import_s=record.get("import_s"),
        peak_rss_mb=peak_rss_mb,
        peak_tree_rss_mb=max(peak_tree / 2**20, peak_rss_mb),
        result=record.get("result") or {},
        error=record.get("error"),
        traceback=record.get("traceback"),
        log=str(log_path),
    )
    if timed_out:
        res.error = f"timed out after {timeout:.0f}s"
    elif not res.ok and not res.error:
        res.error = f"exit code {proc.returncode}; see {log_path}: {_tail(log_path)}"
    if check and not res.ok:
        raise ChildFailed(f"{target}: {res.error}", record)
    return res


def _peak_from_record(record: dict, rusage) -> float:
    """MB: max(child's VmHWM, its waited descendants' ru_maxrss); wait4's value only as a last resort."""
    own = record.get("self_hwm_kb")
    if own is None:
        return rusage.ru_maxrss / 1024
    return max(own, record.get("children_maxrss_kb") or 0) / 1024


def _tail(path: Path, chars: int = 800) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def run_command(
    cmd: list[str], *, env: dict, timeout: float = 900, log_path: Path, cwd: Path = PROJECT_ROOT
) -> ChildResult:
    """Like run_child for an arbitrary command (e.g. `python -m smartcity.runner`)."""
    fd, out_path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    Path(out_path).unlink()
    wrapped = [
        sys.executable,
        "-m",
        "bench.worker",
        "bench.harness:exec_command",
        json.dumps({"cmd": cmd, "cwd": str(cwd)}),
        out_path,
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    import psutil

    with open(log_path, "ab") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        ps = psutil.Process(proc.pid)
        peak_tree, timed_out = 0, False
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, _tree_rss(ps))
            if time.perf_counter() - started > timeout:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(SAMPLE_INTERVAL_S)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        record = json.loads(Path(out_path).read_text())
    except (OSError, ValueError):
        record = {}
    Path(out_path).unlink(missing_ok=True)
    rc = (record.get("result") or {}).get("returncode")
    ok = proc.returncode == 0 and rc == 0 and not timed_out
    peak = _peak_from_record(record, rusage)
    return ChildResult(
        ok=ok,
        wall_s=wall,
        work_s=record.get("work_s"),
        import_s=None,
        peak_rss_mb=peak,
        peak_tree_rss_mb=max(peak_tree / 2**20, peak),
        result=record.get("result") or {},
        error=None
        if ok
        else (f"timed out after {timeout:.0f}s" if timed_out else f"exit code {rc}; log {log_path}: {_tail(log_path)}"),
        log=str(log_path),
    )


def exec_command(cmd: list[str], cwd: str) -> dict:
    """Runs inside bench.worker: the command as a grandchild whose output goes to the worker's log."""
    proc = subprocess.run(cmd, cwd=cwd)
    return {"returncode": proc.returncode}


# --- environment ------------------------------------------------------------------------------------


def project_env(root: Path | None = None, extra: dict | None = None) -> dict[str, str]:
    """os.environ + no telemetry + every output path under `root` + PYTHONPATH on the project, without a
    PostgreSQL target unless `extra` sets one."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AIRFLOW_CONN_") and k not in ("SMARTCITY_POSTGRES_URL", "SMARTCITY_CKAN_PORTALS")
    }
    env.update(NO_TELEMETRY)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    if root is not None:
        from smartcity_base.settings import relocated

        env.update(relocated(Path(root)))
    env.update(extra or {})
    return env


@contextmanager
def simulator(*, latency_ms: float = 0, scale: int = 514, seed: int = 0) -> Iterator[Any]:
    """The simulator on loopback, serving from a thread of this (otherwise idle) parent process, so its
    CPU and memory are not counted against the clients measured in child processes."""
    from simulator.server import run_in_thread

    with run_in_thread(seed=seed, scale=scale, latency_ms=latency_ms) as sim:
        yield sim


def sim_requests(sim) -> dict[str, int]:
    return dict(sim.sim.requests)


@contextmanager
def workdir(prefix: str, keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"smartcity-bench-{prefix}-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


# --- statistics and metadata ----------------------------------------------------------------------------


def medians(runs: list[dict]) -> dict[str, float]:
    """Median of every numeric key over the runs (keys missing from a run are skipped for it)."""
    keys: list[str] = []
    for r in runs:
        keys += [k for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in keys]
    out = {}
    for k in keys:
        values = [r[k] for r in runs if isinstance(r.get(k), (int, float))]
        if values:
            out[k] = statistics.median(values)
    return out


def spread(runs: list[dict], key: str) -> dict | None:
    values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine() -> dict:
    import psutil

    load = os.getloadavg()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_import(*modules: str) -> None:
    """Raise NotAvailable when another part of the project cannot be imported yet (in a child, so a
    broken import cannot poison this process)."""
    code = "import importlib,sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
    proc = subprocess.run(
        [sys.executable, "-c", code, *modules],
        cwd=PROJECT_ROOT,
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["import failed"])[-1]
        raise NotAvailable(f"cannot import {', '.join(modules)}: {last}")
