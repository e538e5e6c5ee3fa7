"""SIGKILL in the middle of extraction, dbt and publish: nothing half-written becomes visible to a later run or
a reader, the served file keeps opening with the baseline's marts, and a later run succeeds. Also: a rerun of
the same interval, and a rebuild of the same landing zone, publish byte-identical marts."""
from __future__ import annotations

import json
import shutil
import time

import pytest
from reliability_kit import (FLOAT_DIGITS, RUN_ID, child_env, differing_columns, file_sha, half_written, kill_group,
                             mart_columns, mart_rows, run_stages, start_child, transform_and_publish)

pytestmark = [pytest.mark.reliability]

# Columns that carry the lineage of one extraction: the landing manifest uuid (new on every extraction,
# docs/contracts.md) and the extraction time.
LINEAGE = {"manifest_id", "extracted_at", "last_extracted_at"}


def wait_for(predicate, timeout: float, what: str, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the child exited (rc {proc.returncode}) before {what}: "
                                 f"{proc.stdout.read()[-2000:]!r}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def assert_served_baseline(settings, baseline) -> None:
    """The served file opens and is the baseline's file (same marts, same rows)."""
    from smartcity.publish import marts_fingerprint

    assert marts_fingerprint(settings.published_path) == baseline.fingerprint
    assert mart_rows(settings.published_path) == baseline.rows


@pytest.fixture(scope="module")
def killed_extraction(baseline, tmp_path_factory):
    """Kill a child running the BPS extraction (simulator with 30 ms latency) once some partitions of its
    run have landed; record what is visible; then a later run: extract, audit, build, audit, publish.
    The clone's BPS landing is removed first, so the child writes every table anew (a rerun that finds a
    table unchanged keeps the landed partition and writes nothing)."""
    from simulator.server import run_in_thread

    from reliability_kit import SCALE, SEED, clone_root
    from smartcity import pipeline
    from smartcity_base.settings import get_settings, relocated

    root = tmp_path_factory.mktemp("killed_extraction")
    clone_root(baseline.root, root)
    raw = root / "data" / "raw"
    shutil.rmtree(raw / "bps" / "observations")
    code = ("from smartcity import pipeline\n"
            "for batch in pipeline.bps_domain_batches():\n"
            "    pipeline.extract_bps(batch, 'killed')\n")
    with run_in_thread(seed=SEED, scale=SCALE, latency_ms=30) as slow_sim:
        proc = start_child(code, child_env(root, slow_sim.connections), root / "child.log")
        try:
            landed = lambda: len(list(raw.glob("bps/observations/*/*/_manifest.json"))) >= 5  # noqa: E731
            wait_for(landed, 90, "the killed run to land 5 partitions", proc)
            time.sleep(0.3)
        finally:
            kill_group(proc)
    after_kill = {
        "half_written": half_written(raw),
        "staging_leftovers": [str(p.relative_to(raw)) for p in (raw / ".staging").glob("*")],
        "landed": len(list(raw.glob("bps/observations/*/*/_manifest.json"))),
        "published_sha": file_sha(root / "warehouse" / "smartcity.duckdb"),
    }
    mp = pytest.MonkeyPatch()
    for key, value in relocated(root).items():
        mp.setenv(key, value)
    try:
        for batch in pipeline.bps_domain_batches():
            pipeline.extract_bps(batch, "later")
        pipeline.audit_raw("later")
        transform_and_publish("later")
        settings = get_settings()
        return {"after_kill": after_kill, "settings": settings,
                "rounded": mart_columns(settings.published_path, FLOAT_DIGITS)}
    finally:
        mp.undo()


def test_sigkill_during_extraction_leaves_no_partial_partition(killed_extraction, baseline):
    after = killed_extraction["after_kill"]
    assert 5 <= after["landed"] < 714, after["landed"]           # killed mid-way, after landing some
    assert after["half_written"] == [], after["half_written"]
    assert after["published_sha"] == baseline.published_sha
    print(f"leftovers under data/raw/.staging after the kill: {after['staging_leftovers']}")
    # leftovers stay under data/raw/.staging, which no landing glob of dbt or GX matches
    from expectations.raw import DATASETS

    assert all(not p.startswith(".staging") for p in DATASETS.values())


def test_a_later_run_after_the_killed_extraction_succeeds(killed_extraction, baseline):
    """The later run lands every table again and publishes the baseline's data (lineage columns differ:
    the BPS tables were extracted anew)."""
    from smartcity.publish import marts_fingerprint

    settings = killed_extraction["settings"]
    assert marts_fingerprint(settings.published_path) == baseline.fingerprint
    assert half_written(settings.raw_dir) == []
    diff = differing_columns(baseline.rounded, killed_extraction["rounded"])
    data = {t: [c for c in cols if c not in LINEAGE] for t, cols in diff.items()}
    assert {t: c for t, c in data.items() if c} == {}, f"the later run published different data: {data}"


def test_rerun_of_the_same_interval_yields_byte_identical_marts(clone, baseline):
    """Every stage again for the same interval against the same sources: unchanged landing partitions are
    kept, and every column and row of every mart is byte-for-byte the baseline's."""
    from smartcity.publish import marts_fingerprint

    run_stages(RUN_ID)
    published = clone.published_path
    assert marts_fingerprint(published) == baseline.fingerprint
    diff = differing_columns(baseline.columns, mart_columns(published))
    assert diff == {}, f"columns that differ after a rerun of the same interval: {diff}"
    assert mart_rows(published) == baseline.rows


def test_sigkill_during_dbt_build_then_rebuild_publishes_identical_marts(clone, baseline):
    """Kill the process group of a running `build_candidate` (the task and its dbt child) once dbt has
    created the candidate; the served file is untouched; the next build of the same landing zone succeeds
    and publishes marts identical to the baseline in every column and row."""
    from smartcity.pipeline import candidate_path

    candidate = candidate_path("killed", clone)
    proc = start_child("from smartcity import pipeline\npipeline.build_candidate('killed')\n",
                       child_env(clone.data_dir.parent), clone.data_dir.parent / "child.log")
    try:
        wait_for(lambda: candidate.exists() and candidate.stat().st_size > 1_000_000, 120,
                 "dbt to write the candidate", proc)
        time.sleep(1.0)
        assert proc.poll() is None, "dbt finished before it could be killed"
    finally:
        kill_group(proc)
    assert file_sha(clone.published_path) == baseline.published_sha
    assert_served_baseline(clone, baseline)

    transform_and_publish("killed")              # same run id: starts from a fresh candidate
    from smartcity.publish import marts_fingerprint

    assert marts_fingerprint(clone.published_path) == baseline.fingerprint
    exact = differing_columns(baseline.columns, mart_columns(clone.published_path))
    assert exact == {}, f"columns that differ after a rebuild of the same landing zone: {exact}"
    assert mart_rows(clone.published_path) == baseline.rows


def test_sigkill_during_publish_serves_a_whole_version(clone, baseline):
    """A child publishes the baseline's audited candidate in a loop (with exports) and is killed at
    different moments: after each kill the served file opens with the baseline's marts, CURRENT.json
    parses and describes it, and the next publish succeeds and clears the leftovers."""
    from smartcity.publish import current, marts_fingerprint, publish

    build = clone.build_dir
    build.mkdir(parents=True, exist_ok=True)
    candidate = build / "candidate-published.duckdb"
    shutil.copyfile(baseline.root / "warehouse" / ".build" / f"candidate-{RUN_ID}.duckdb", candidate)
    code = ("import sys\nfrom smartcity.publish import publish\n"
            f"print('ready', flush=True)\nwhile True:\n    publish({str(candidate)!r}, keep_versions=3, "
            "postgres_dsn='')\n")
    leftovers_seen = 0
    for delay in (0.05, 0.17, 0.31, 0.53):
        proc = start_child(code, child_env(clone.data_dir.parent), clone.data_dir.parent / "child.log")
        try:
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(delay)
        finally:
            kill_group(proc)
        leftovers_seen += len(list(clone.warehouse_dir.glob(".smartcity.duckdb.*.tmp")) +
                              list(clone.versions_dir.glob(".*.partial")))
        assert_served_baseline(clone, baseline)
        state = current(clone)
        assert state is not None and state["checksum"] == baseline.fingerprint[1]
    print(f"temp files left by the killed publishes (removed by the next one): {leftovers_seen}")
    result = publish(candidate, keep_versions=3, postgres_dsn="")
    assert result.checksum == baseline.fingerprint[1]
    assert list(clone.warehouse_dir.glob(".smartcity.duckdb.*.tmp")) == []
    assert list(clone.versions_dir.glob(".*.partial")) == []
    assert marts_fingerprint(clone.published_path) == baseline.fingerprint
    assert json.loads((clone.exports_dir / "MANIFEST.json").read_text())["tables"] == baseline.fingerprint[0]
