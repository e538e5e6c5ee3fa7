"""Two runs started in the same second each get their own log (issue 15, Low)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from smartcity.demo import claim_run_stamp


def test_runs_started_together_never_share_a_log(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        stamps = list(pool.map(lambda _: claim_run_stamp(tmp_path), range(8)))
    assert len(set(stamps)) == 8
    assert sorted(p.name for p in tmp_path.glob("run-*.log")) == sorted(f"run-{s}.log" for s in stamps)
