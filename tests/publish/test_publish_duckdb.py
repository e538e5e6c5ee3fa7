"""Atomic publish of the DuckDB warehouse: swap, versions, rollback, exports, concurrent readers, SIGKILL."""
from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from smartcity import publish as pub

HERE = Path(__file__).parent


def served_version(settings):
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        version, expected = con.execute("select version, fact_rows from marts.build_info").fetchone()
        rows = con.execute("select count(*) from marts.fct_indicator_value").fetchone()[0]
        own = con.execute("select count(*) from marts.fct_indicator_value where manifest_id = ?",
                          [f"manifest-{version}"]).fetchone()[0]
    finally:
        con.close()
    assert rows == expected == own, "served file is not one complete version"
    return version


def test_publish_serves_candidate_and_writes_current_versions_exports(project_paths, candidates):
    settings = project_paths
    result = pub.publish(candidates(1), postgres_dsn="")
    assert served_version(settings) == 1
    current = json.loads((settings.warehouse_dir / "CURRENT.json").read_text())
    assert current["version_id"] == result.version_id
    assert current["row_counts"] == {"build_info": 1, "dim_region": 514, "fct_indicator_value": 514 * 3 * 3}
    assert current["checksum"] == pub.counts_checksum(current["row_counts"])
    assert pub.list_versions(settings) == [result.version_id]
    assert (settings.versions_dir / f"{result.version_id}.duckdb").exists()
    summary = result.summary()
    json.dumps(summary)
    assert summary["version_id"] == result.version_id
    exports = settings.exports_dir
    assert pq.read_table(exports / "fct_indicator_value.parquet").num_rows == 514 * 9
    assert sum(1 for _ in open(exports / "dim_region.csv")) == 515
    assert json.loads((exports / "MANIFEST.json").read_text())["version_id"] == result.version_id
    # nothing left behind
    assert not list(settings.warehouse_dir.glob(".*.tmp"))
    assert not list(exports.parent.glob(".exports.tmp-*"))


def test_failed_publish_keeps_the_served_file(project_paths, candidates):
    settings = project_paths
    pub.publish(candidates(1), postgres_dsn="")
    before = settings.published_path.read_bytes()
    with pytest.raises(pub.PublishError, match="does not exist"):
        pub.publish(settings.build_dir / "missing.duckdb", postgres_dsn="")
    corrupt = settings.build_dir / "corrupt.duckdb"
    corrupt.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(pub.PublishError):
        pub.publish(corrupt, postgres_dsn="")
    no_marts = settings.build_dir / "no_marts.duckdb"
    duckdb.connect(str(no_marts)).close()
    with pytest.raises(pub.PublishError, match="no tables in schema marts"):
        pub.publish(no_marts, postgres_dsn="")
    assert settings.published_path.read_bytes() == before
    assert served_version(settings) == 1
    assert len(pub.list_versions(settings)) == 1


def test_failed_postgres_load_publishes_nothing(project_paths, candidates):
    settings = project_paths
    pub.publish(candidates(1), postgres_dsn="")
    with pytest.raises(pub.PublishError, match="PostgreSQL load failed"):
        pub.publish(candidates(2), postgres_dsn="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert served_version(settings) == 1
    assert len(pub.list_versions(settings)) == 1


def test_versions_are_pruned_and_rollback_restores(project_paths, candidates):
    settings = project_paths
    ids = [pub.publish(candidates(v), keep_versions=3, exports=False, postgres_dsn="").version_id
           for v in (1, 2, 3, 4, 5)]
    assert pub.list_versions(settings) == ids[-3:]
    assert served_version(settings) == 5
    settings.published_inputs_path.write_text('{"fingerprint": "inputs of version 5"}')
    back = pub.rollback(exports=False)
    assert back.version_id == ids[3] and back.rolled_back_from == ids[4]
    # the inputs of version 5 stay recorded: the next run with the same inputs does not publish 5 again
    assert json.loads(settings.published_inputs_path.read_text()) == {
        "fingerprint": "inputs of version 5", "rolled_back_from": ids[4], "serving": ids[3]}
    assert served_version(settings) == 4
    assert pub.current()["version_id"] == ids[3]
    pub.rollback(exports=False)
    assert served_version(settings) == 3
    with pytest.raises(pub.PublishError, match="nothing to roll back"):
        pub.rollback(exports=False)
    assert served_version(settings) == 3
    # publishing again after a rollback serves the new candidate
    pub.publish(candidates(6), keep_versions=3, exports=False, postgres_dsn="")
    assert served_version(settings) == 6


def test_csv_export_neutralises_formulas(tmp_path):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.execute("""create table marts.t as select * from (values
        ('=HYPERLINK(\"http://x\")', -1.5), ('+1', 2.0), ('-2+3', 3.0), ('@SUM(A1)', 4.0), ('plain', -7.0),
        (chr(9) || '=1', 5.0)) v(label, value)""")
    con.close()
    out = tmp_path / "exports"
    out.mkdir()
    (out / "stale.csv").write_text("old")
    result = pub.export_marts(db, out, version_id="v1")
    assert result["tables"] == {"t": 6}
    rows = list(csv.reader(open(out / "t.csv")))
    labels = [r[0] for r in rows[1:]]
    assert labels == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "plain", "'\t=1"]
    assert [r[1] for r in rows[1:]][0] == "-1.5"          # numbers stay numbers
    assert pq.read_table(out / "t.parquet").column("label").to_pylist()[0] == '=HYPERLINK("http://x")'
    assert not (out / "stale.csv").exists()                # the folder was swapped, not merged


@pytest.mark.slow
def test_readers_see_only_complete_versions_during_five_publishes(project_paths, candidates, tmp_path):
    settings = project_paths
    paths = [candidates(v) for v in range(1, 7)]
    pub.publish(paths[0], postgres_dsn="")
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    readers = [subprocess.Popen([sys.executable, str(HERE / "reader_loop.py"), str(settings.published_path),
                                 str(stop), kind], stdout=subprocess.PIPE, text=True, env=env)
               for kind in ("duckdb", "sqlalchemy")]
    # a long-lived read-only connection keeps working across publishes (it reads the old inode)
    held = duckdb.connect(str(settings.published_path), read_only=True)
    time.sleep(1.0)
    for p in paths[1:]:
        pub.publish(p, postgres_dsn="")
        assert held.execute("select version from marts.build_info").fetchone()[0] == 1
        time.sleep(0.3)
    held.close()
    stop.touch()
    outcomes = [json.loads(r.communicate(timeout=60)[0].strip().splitlines()[-1]) for r in readers]
    for outcome in outcomes:
        assert outcome["n_errors"] == 0, outcome
        assert outcome["bad"] == [], outcome
        assert outcome["reads"] > 10
        assert set(outcome["versions"]) <= {1, 2, 3, 4, 5, 6} and 6 in outcome["versions"]
        assert len(outcome["versions"]) >= 3, outcome
    # reconnecting sees the new data
    assert served_version(settings) == 6


@pytest.mark.slow
def test_sigkill_during_publish_leaves_a_complete_version(project_paths, candidates):
    settings = project_paths
    paths = [candidates(v) for v in (1, 2, 3)]
    pub.publish(paths[0], postgres_dsn="")
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    rng = random.Random(7)
    seen = set()
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, str(HERE / "publish_loop.py"), *map(str, paths[1:] + paths[:1])],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        seen.add(served_version(settings))              # always one complete version
        current = pub.current(settings)
        # CURRENT.json names a version that is still kept, so `rollback` and `versions` can find it
        assert current and current["version_id"] in pub.list_versions(settings)
    assert seen <= {1, 2, 3}
    # the next publish cleans up whatever the killed one left behind and succeeds
    pub.publish(paths[1], keep_versions=3, postgres_dsn="")
    assert served_version(settings) == 2
    assert not list(settings.warehouse_dir.glob(".smartcity.duckdb.*.tmp"))
    assert not list(settings.versions_dir.glob(".*.partial"))
    assert len(pub.list_versions(settings)) <= 3
