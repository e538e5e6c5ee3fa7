"""Where the warehouse is served decides a rebuild too (issue 17): enabling PostgreSQL after a publish
makes the next transform run load it instead of skipping with "nothing to rebuild"."""
from __future__ import annotations

import json

from smartcity.pipeline import inputs_fingerprint, serving_targets, warehouse_is_stale


def test_enabling_postgres_makes_the_warehouse_stale(project_paths, monkeypatch):
    monkeypatch.delenv("SMARTCITY_POSTGRES_URL", raising=False)
    project_paths.warehouse_dir.mkdir(parents=True)
    project_paths.published_path.write_bytes(b"served")
    project_paths.published_inputs_path.write_text(json.dumps({"fingerprint": inputs_fingerprint(project_paths)}))
    assert not warehouse_is_stale(project_paths)

    monkeypatch.setenv("SMARTCITY_POSTGRES_URL", "postgresql://publisher:s3cret@db.example:5433/smartcity")
    assert warehouse_is_stale(project_paths)
    assert serving_targets() == {"postgres": "db.example:5433/smartcity"}   # no credentials in the fingerprint


def test_the_same_target_is_the_same_fingerprint(project_paths, monkeypatch):
    monkeypatch.setenv("SMARTCITY_POSTGRES_URL", "postgresql://a:one@db:5432/smartcity")
    first = inputs_fingerprint(project_paths)
    monkeypatch.setenv("SMARTCITY_POSTGRES_URL", "postgresql://a:two@db:5432/smartcity")
    assert inputs_fingerprint(project_paths) == first          # a rotated password rebuilds nothing
    monkeypatch.setenv("SMARTCITY_POSTGRES_URL", "postgresql://a:two@db:5432/other")
    assert inputs_fingerprint(project_paths) != first
