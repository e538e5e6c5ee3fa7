"""Operations around publish: `rollback --to`, a version written but never served is never rolled back to,
candidates in warehouse/.build/ do not pile up, `versions` and `status` read what publish wrote."""
from __future__ import annotations

import json
import os
import shutil
import time

import duckdb
import pytest

from smartcity import pipeline
from smartcity import publish as pub


def served_version(settings) -> int:
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        return con.execute("select version from marts.build_info").fetchone()[0]
    finally:
        con.close()


def test_rollback_to_a_named_version(project_paths, candidates):
    ids = [pub.publish(candidates(v), exports=False, postgres_dsn="").version_id for v in (1, 2, 3)]
    back = pub.rollback(exports=False, to=ids[0])
    assert back.version_id == ids[0] and back.rolled_back_from == ids[2]
    assert served_version(project_paths) == 1
    with pytest.raises(pub.PublishError, match="already served"):
        pub.rollback(exports=False, to=ids[0])
    with pytest.raises(pub.PublishError, match="not a kept, served version"):
        pub.rollback(exports=False, to="v20000101T000000000000Z")
    pub.rollback(exports=False, to=ids[2])   # forward again to a version served before
    assert served_version(project_paths) == 3
    details = {d["version_id"]: d for d in pub.version_details(project_paths)}
    assert details[ids[2]]["current"] and all(d["served"] for d in details.values())
    assert details[ids[0]]["first_served_at"] < details[ids[2]]["first_served_at"]


def test_a_version_written_but_never_served_is_not_rolled_back_to(project_paths, candidates):
    """A publish killed (or out of disk) after writing versions/<id>.duckdb but before the swap: the next
    publish or rollback drops that version; rollback serves the last version that was served."""
    settings = project_paths
    ids = [pub.publish(candidates(v), exports=False, postgres_dsn="").version_id for v in (1, 2)]
    orphan = settings.versions_dir / "v29990101T000000000000Z.duckdb"   # newer than current, never served
    shutil.copyfile(settings.versions_dir / f"{ids[1]}.duckdb", orphan)
    assert "v29990101T000000000000Z" not in pub.served_versions(settings)
    back = pub.rollback(exports=False)
    assert back.version_id == ids[0]
    assert not orphan.exists()
    # the newest served version (2) is still a rollback target: rollback --to brings it back
    pub.rollback(exports=False, to=ids[1])
    assert served_version(settings) == 2


def test_no_candidate_is_left_in_build_after_two_publishes(project_paths, candidates):
    settings = project_paths
    for version in (1, 2):
        candidate = candidates(version)
        candidate.with_suffix(".inputs.json").write_text(json.dumps({"fingerprint": f"f{version}"}))
        pipeline.publish_candidate(str(candidate), settings, remove_candidate=True)  # as the DAG calls it
    assert list(settings.build_dir.iterdir()) == []
    assert served_version(settings) == 2
    assert json.loads(settings.published_inputs_path.read_text()) == {"fingerprint": "f2"}


def test_retention_removes_stale_candidates_and_old_logs(project_paths, candidates, monkeypatch):
    from smartcity.retention import run_retention

    settings = project_paths
    stale, fresh = candidates(1), candidates(2)
    old = time.time() - 3 * 86400
    os.utime(stale, (old, old))
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    old_log, new_log = settings.log_dir / "run-20200101T000000.log", settings.log_dir / "run-20990101T000000.log"
    for path in (old_log, new_log):
        path.write_text("log\n")
    os.utime(old_log, (old - 40 * 86400, old - 40 * 86400))
    monkeypatch.setenv("SMARTCITY_LOG_RETENTION_DAYS", "30")
    assert run_retention(settings, dry_run=True)["candidates"] == [stale.name]
    assert stale.exists()
    result = run_retention(settings)
    assert result["candidates"] == [stale.name] and str(old_log) in result["logs"]
    assert not stale.exists() and fresh.exists() and not old_log.exists() and new_log.exists()


def test_keep_versions_is_a_setting(project_paths, candidates, monkeypatch):
    monkeypatch.setenv("SMARTCITY_KEEP_VERSIONS", "2")
    ids = [pub.publish(candidates(v), exports=False, postgres_dsn="").version_id for v in (1, 2, 3)]
    assert pub.list_versions(project_paths) == ids[1:]
    assert not (project_paths.versions_dir / f"{ids[0]}{pub.SERVED_SUFFIX}").exists()


def test_status_and_versions_commands(project_paths, candidates):
    from click.testing import CliRunner

    from smartcity.cli import main

    ids = [pub.publish(candidates(v), exports=False, postgres_dsn="").version_id for v in (1, 2)]
    runner = CliRunner()
    out = runner.invoke(main, ["versions"])
    assert out.exit_code == 0 and f"* {ids[1]}  served" in out.output and f"  {ids[0]}  served" in out.output
    out = runner.invoke(main, ["rollback", "--to", ids[0]])
    assert out.exit_code == 0 and f"now serving {ids[0]} (rolled back from {ids[1]})" in out.output
    out = runner.invoke(main, ["status"])
    assert out.exit_code == 0, out.output
    assert f"served: {ids[0]}" in out.output and f"(rolled back from {ids[1]})" in out.output
    assert "sources:" in out.output
