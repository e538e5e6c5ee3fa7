"""Every file and folder the quality gate writes has a name Windows shares accept (no `:` or `+` from an
Airflow run id or a timestamp), while the results keep the run id as Airflow wrote it."""
from __future__ import annotations

import re

import duckdb

from expectations import runner

AIRFLOW_RUN_ID = "manual__2026-01-01T07:00:00.123456+07:00"
WINDOWS_UNSAFE = re.compile(r'[<>:"|?*+\\]')


def test_generated_names_are_safe_on_windows(good_warehouse, tmp_path):
    docs, state = tmp_path / "docs", tmp_path / "state"
    result = runner.audit(good_warehouse, run_id=AIRFLOW_RUN_ID, docs_dir=docs, state_dir=state)
    runner.record_results(good_warehouse, result, state_dir=state)
    written = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_relative_to(docs)
               or p.is_relative_to(state)]
    assert any(p.endswith(".html") and "/validations/" in f"/{p}" for p in written)
    unsafe = [p for p in written if WINDOWS_UNSAFE.search(p)]
    assert unsafe == []
    # the run's folder names the run (its UTC time, compact), so a reader can still find it
    assert any("/manual__20260101T000000.123456Z/" in f"/{p}/" for p in written), written[:20]
    con = duckdb.connect(str(good_warehouse), read_only=True)
    try:
        assert con.execute("select distinct run_id from quality.validation_results").fetchall() == [
            (AIRFLOW_RUN_ID,)]
    finally:
        con.close()


def test_file_safe_name():
    assert runner.file_safe_name("scheduled__2026-03-04T00:00:00+00:00") == "scheduled__20260304T000000Z"
    assert runner.file_safe_name("manual__2026-03-04T07:30:00+07:00") == "manual__20260304T003000Z"
    assert runner.file_safe_name("run-1") == "run-1"
    assert runner.file_safe_name('a:b+c<d>"e') == "a-b-c-d-e"


def test_folders_of_earlier_runs_are_renamed(good_warehouse, tmp_path):
    """A docs folder written before the fix (a run folder named after the raw Airflow run id) is renamed,
    and the index still lists that run."""
    docs, state = tmp_path / "docs", tmp_path / "state"
    runner.audit(good_warehouse, run_id="old-run", docs_dir=docs, state_dir=state)
    for folder in [p for p in docs.rglob("old-run") if p.is_dir()]:
        folder.rename(folder.with_name("manual__2025-12-31T00:00:00+00:00"))
    assert any(WINDOWS_UNSAFE.search(p.name) for p in docs.rglob("*"))
    runner.audit(good_warehouse, run_id="new-run", docs_dir=docs, state_dir=state)
    assert [p for p in docs.rglob("*") if WINDOWS_UNSAFE.search(p.name)] == []
    index = (docs / "index.html").read_text()
    assert "manual__20251231T000000Z" in index and "new-run" in index
