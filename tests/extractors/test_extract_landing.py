"""Landing zone, connections and redaction: the cross-cutting contracts of the extractors."""
from __future__ import annotations

import json
import logging

import pyarrow.parquet as pq
import pytest

from extractors import landing, secrets
from extractors.connections import get_connection
from extractors.errors import ConnectionConfigError, ExtractError


def rows(n, tag="a"):
    return [{"id": i, "tag": tag, "nested": {"x": i}} for i in range(n)]


def test_partition_layout_manifest_and_meta_columns(tmp_path):
    manifest = landing.write_partition(tmp_path, "src", "things", {"portal": "p", "batch": "full"}, "run-1",
                                       rows(3), cursor="2025-01-01", requests=["http://h/key/SECRETKEY1/x"])
    part = tmp_path / "src/things/portal=p/batch=full"
    assert sorted(p.name for p in part.iterdir()) == ["_manifest.json", "data.parquet"]
    stored = json.loads((part / "_manifest.json").read_text())
    for key in ("manifest_id", "source", "dataset", "partition", "run_id", "started_at", "finished_at",
                "row_count", "sha256", "cursor", "requests", "duration_s", "status"):
        assert key in stored
    assert stored == manifest and stored["row_count"] == 3 and stored["requests"] == ["http://h/key/***/x"]
    table = pq.read_table(part / "data.parquet")
    assert set(table.column("_manifest_id").to_pylist()) == {manifest["manifest_id"]}
    assert str(table.schema.field("_extracted_at").type) == "timestamp[us, tz=UTC]"
    assert table.column("nested").to_pylist()[0] == '{"x": 0}'
    import hashlib
    assert hashlib.sha256((part / "data.parquet").read_bytes()).hexdigest() == stored["sha256"]


def test_rerun_replaces_the_partition_whole(tmp_path):
    for tag in ("first", "second"):
        landing.write_partition(tmp_path, "src", "things", {"k": "v"}, "run", rows(5, tag))
    table = pq.read_table(tmp_path / "src/things/k=v/data.parquet").to_pylist()
    assert len(table) == 5 and {r["tag"] for r in table} == {"second"}
    assert not list((tmp_path / ".staging").iterdir())  # nothing left behind


def test_failed_run_leaves_the_previous_partition_and_no_partial(tmp_path):
    landing.write_partition(tmp_path, "src", "things", {"k": "v"}, "run", rows(2))
    with pytest.raises(RuntimeError):
        with landing.PartitionWriter(tmp_path, "src", "things", {"k": "v"}, "run-2") as part:
            part.write(rows(100, "partial"))
            raise RuntimeError("killed")
    table = pq.read_table(tmp_path / "src/things/k=v/data.parquet").to_pylist()
    assert len(table) == 2 and {r["tag"] for r in table} == {"a"}
    assert not list((tmp_path / ".staging").iterdir())


def test_schema_drift_between_batches_keeps_every_column(tmp_path):
    data = [{"a": 1}] * 3 + [{"a": 2, "b": "new"}]
    with landing.PartitionWriter(tmp_path, "s", "d", {"k": 1}, "r", batch_rows=2) as part:
        part.write(data)
    table = pq.read_table(tmp_path / "s/d/k=1/data.parquet").to_pylist()
    assert [r["b"] for r in table] == [None, None, None, "new"]


def test_last_cursor_is_the_latest_successful_one(tmp_path):
    landing.write_partition(tmp_path, "ckan", "packages", {"portal": "a", "batch": "full"}, "r1", [], cursor="c1")
    landing.write_partition(tmp_path, "ckan", "packages", {"portal": "a", "batch": "c1"}, "r2", [], cursor="c2")
    landing.write_partition(tmp_path, "ckan", "packages", {"portal": "b", "batch": "full"}, "r3", [], cursor="x")
    assert landing.last_cursor(tmp_path, "ckan", "packages", {"portal": "a"}) == "c2"
    assert landing.last_cursor(tmp_path, "ckan", "packages", {"portal": "zzz"}) is None


def test_quarantine_needs_a_reason_and_replaces_on_rerun(tmp_path):
    with pytest.raises(ValueError):
        landing.write_quarantine(tmp_path, "s", "d", "f.csv", [{"x": 1}], "r")
    path = landing.write_quarantine(tmp_path, "s", "d", "f.csv", [{"x": 1, "reason": "bad"}] * 3, "r")
    landing.write_quarantine(tmp_path, "s", "d", "f.csv", [{"x": 1, "reason": "bad"}], "r")
    assert path == str(tmp_path / "s" / "d" / "f.csv.parquet")
    assert pq.read_table(path).num_rows == 1


def test_uri_connection(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SMARTCITY_BPS", "http://:K%2Fey123@127.0.0.1:8765/bps/v1/api")
    conn = get_connection("smartcity_bps")
    assert conn.base_url == "http://127.0.0.1:8765/bps/v1/api" and conn.password == "K/ey123"
    assert "K/ey123" not in repr(conn)


def test_json_connection(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SMARTCITY_CKAN_JATIM", json.dumps(
        {"conn_type": "https", "host": "data.jatimprov.go.id", "schema": "", "extra": {"row_cap": 500}}))
    conn = get_connection("smartcity_ckan_jatim")
    assert conn.base_url == "https://data.jatimprov.go.id" and conn.extra["row_cap"] == 500


def test_missing_connection_names_the_variable(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_SMARTCITY_NOPE", raising=False)
    with pytest.raises(ConnectionConfigError, match="AIRFLOW_CONN_SMARTCITY_NOPE"):
        get_connection("smartcity_nope")


def test_redaction_everywhere(caplog):
    secrets.register("regency-token-abcdef")
    text = "GET http://h/v1/api/list/key/ABCDEF123/page/1 Bearer regency-token-abcdef http://:pw9999@h:1/x"
    clean = secrets.redact(text)
    assert "ABCDEF123" not in clean and "regency-token-abcdef" not in clean and "pw9999" not in clean
    assert "/key/***/" in clean
    assert "ABCDEF123" not in str(ExtractError("failed at http://h/key/ABCDEF123/"))
    log = secrets.get_logger("extractors.test")
    with caplog.at_level(logging.INFO):
        log.info("url %s", "http://h/key/ABCDEF123/")
        try:
            raise ValueError("http://h/key/ABCDEF123/")
        except ValueError:
            log.exception("failed")
    assert "ABCDEF123" not in caplog.text and "/key/***/" in caplog.text


def test_manifests_are_read_while_an_extract_moves_its_staging_folders(tmp_path, monkeypatch):
    """A transform reading manifests while an extract renames a half-built partition out of `.staging`
    must not fail (the scheduler test met FileNotFoundError from rglob): `.staging` is never entered."""
    import os

    from extractors import landing

    raw = tmp_path / "raw"
    done = raw / "bps" / "observations" / "domain=1600"
    done.mkdir(parents=True)
    (done / landing.MANIFEST_FILE).write_text('{"manifest_id": "m1", "finished_at": "1"}')
    staging = raw / landing.STAGING / "bps-variable_map-x" / "domain=1600"
    staging.mkdir(parents=True)
    (staging / landing.MANIFEST_FILE).write_text('{"manifest_id": "half"}')
    real_scandir = os.scandir

    def vanishing(path="."):
        if landing.STAGING in str(path):
            raise FileNotFoundError(path)   # renamed away by the extract in the middle of the walk
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", vanishing)
    assert [m["manifest_id"] for m in landing.read_manifests(raw)] == ["m1"]
