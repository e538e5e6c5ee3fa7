"""A rerun that lands exactly what is already there keeps the landed partition (same manifest id and
extraction time), so the warehouse built from it is byte-identical; changed content replaces it whole."""
from __future__ import annotations

import json

import pyarrow.parquet as pq

from extractors.landing import write_partition

ROWS = [{"region": "16.05", "value": "1.234,5"}, {"region": "16.02", "value": "-"}]


def _landed(raw, partition="portal=x"):
    folder = raw / "ckan" / "packages" / partition
    return json.loads((folder / "_manifest.json").read_text()), pq.read_table(folder / "data.parquet")


def test_rerun_with_the_same_content_keeps_the_partition(tmp_path):
    first = write_partition(tmp_path, "ckan", "packages", {"portal": "x"}, "run-1", ROWS)
    again = write_partition(tmp_path, "ckan", "packages", {"portal": "x"}, "run-2", ROWS)
    manifest, table = _landed(tmp_path)
    assert again["status"] == "unchanged" and again["checked_in_run"] == "run-2"
    assert manifest["manifest_id"] == first["manifest_id"] == again["manifest_id"]
    assert manifest["run_id"] == "run-1"
    assert set(table.column("_manifest_id").to_pylist()) == {first["manifest_id"]}
    assert table.num_rows == 2


def test_rerun_with_changed_content_replaces_the_partition(tmp_path):
    first = write_partition(tmp_path, "ckan", "packages", {"portal": "x"}, "run-1", ROWS)
    changed = write_partition(tmp_path, "ckan", "packages", {"portal": "x"}, "run-2", ROWS[:1])
    manifest, table = _landed(tmp_path)
    assert changed["status"] == "success" and changed["manifest_id"] != first["manifest_id"]
    assert manifest["manifest_id"] == changed["manifest_id"] and manifest["row_count"] == 1
    assert table.column("region").to_pylist() == ["16.05"]
    assert not any((tmp_path / ".staging").glob("ckan-*"))  # no half-built partition left behind


def test_the_same_rows_in_another_order_are_unchanged(tmp_path):
    """An incremental merge (changed records first, carried-forward ones after) reorders the rows."""
    first = write_partition(tmp_path, "ckan", "packages", {"portal": "x"}, "run-1", ROWS)
    again = write_partition(tmp_path, "ckan", "packages", {"portal": "x"}, "run-2", list(reversed(ROWS)))
    assert again["status"] == "unchanged" and again["manifest_id"] == first["manifest_id"]


def test_abandoned_half_built_partitions_are_cleared(tmp_path):
    """What a killed run left in .staging is removed by a later writer once it is old enough."""
    import os
    import time

    from extractors.landing import ABANDONED_AFTER_S

    old = tmp_path / ".staging" / "bps-observations-killed"
    recent = tmp_path / ".staging" / "bps-observations-running"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "spool.jsonl").write_text("{}\n")
    stale = time.time() - ABANDONED_AFTER_S - 60
    os.utime(old, (stale, stale))
    write_partition(tmp_path, "ckan", "packages", {"portal": "x"}, "run-1", ROWS)
    assert not old.exists()
    assert recent.exists()  # may belong to a writer that is still running
