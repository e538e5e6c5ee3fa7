"""Child-process entry point: `python -m bench.worker module:function '<json kwargs>' result.json`.
Imports the function, runs it, and writes {ok, import_s, work_s, result | error} to the result file,
with this process's own ru_maxrss and that of its waited-for children (dbt, ...)."""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
import traceback


def _vm_hwm_kb() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main(argv: list[str]) -> int:
    target, kwargs, out = argv[0], json.loads(argv[1]), argv[2]
    started = time.perf_counter()
    record: dict = {"ok": False}
    try:
        module_name, func_name = target.split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        imported = time.perf_counter()
        record["import_s"] = imported - started
        result = func(**kwargs)
        record.update(ok=True, work_s=time.perf_counter() - imported, result=result or {})
    except BaseException as exc:  # noqa: B036 - reported to the parent, then the exit code says it failed
        record.update(
            error=f"{type(exc).__name__}: {exc}"[:2000],
            traceback=traceback.format_exc()[-6000:],
            work_s=time.perf_counter() - started,
        )
    # VmHWM is the high-water mark of this process's own memory since exec. ru_maxrss(SELF) is not: Linux
    # folds the pre-exec hiwater (the forking parent's RSS) into it.
    record["self_hwm_kb"] = _vm_hwm_kb()
    record["self_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    record["children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(record, fh, default=str)
    return 0 if record["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
