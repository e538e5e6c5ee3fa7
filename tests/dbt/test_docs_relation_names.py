"""dbt docs name each relation as readers type it (`"smartcity"."marts"...`, the served file's catalog),
not after the candidate file the run built (`candidate-manual__2026-...`)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smartcity import transform

CANDIDATE = "candidate-manual__2026-01-01T00_00_00_00_00"


@pytest.fixture
def tiny_project(tmp_path, monkeypatch):
    """A one-model dbt project with the project's profile name and DuckDB target, in place of dbt_project."""
    project = tmp_path / "dbt_tiny"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0'\nconfig-version: 2\nprofile: smartcity\n"
        "models:\n  tiny:\n    +schema: marts\n    +materialized: table\n")
    (project / "profiles.yml").write_text(
        "smartcity:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        "      path: \"{{ env_var('SMARTCITY_DUCKDB_PATH') }}\"\n      schema: main\n      threads: 1\n"
        "      keep_open: false\n")
    (project / "macros").mkdir()
    (project / "macros" / "schema.sql").write_text(
        "{% macro generate_schema_name(custom_schema_name, node) %}{{ custom_schema_name or target.schema }}"
        "{% endmacro %}\n")
    (project / "models" / "dim_region.sql").write_text("select '32.10' as region_code, 'Kab. Majalengka' as name\n")
    (project / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: dim_region\n    description: One row per kabupaten/kota.\n")
    monkeypatch.setattr(transform, "DBT_PROJECT_DIR", project)
    return project


def test_docs_show_the_served_catalog_name(tiny_project, project_paths):
    candidate = project_paths.build_dir / f"{CANDIDATE}.duckdb"
    candidate.parent.mkdir(parents=True, exist_ok=True)
    transform.run_dbt(["run"], project_paths, duckdb_path=candidate)
    transform.run_dbt(["docs", "generate", "--static"], project_paths, duckdb_path=candidate)
    target = project_paths.log_dir / "dbt-target" / "duckdb"
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    node = "model.tiny.dim_region"
    assert catalog["nodes"][node]["metadata"]["database"] == "smartcity"
    assert manifest["nodes"][node]["database"] == "smartcity"
    assert manifest["nodes"][node]["relation_name"] == '"smartcity"."marts"."dim_region"'
    static = (target / "static_index.html").read_text()
    assert json.dumps('"smartcity"."marts"."dim_region"') in static      # the manifest, inlined
    for text in (json.dumps(catalog), json.dumps(manifest), static):
        assert not re.search(r"candidate-manual__", text)


def test_only_the_catalog_name_is_renamed(tmp_path: Path):
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": {"m": {
        "database": "dev", "relation_name": '"dev"."marts"."x"', "description": "for development"}}}))
    (tmp_path / "catalog.json").write_text(json.dumps({"nodes": {"m": {"metadata": {"database": "dev"}}}}))
    assert transform.rename_docs_database(tmp_path, "dev", "smartcity") == 2
    node = json.loads((tmp_path / "manifest.json").read_text())["nodes"]["m"]
    assert node == {"database": "smartcity", "relation_name": '"smartcity"."marts"."x"',
                    "description": "for development"}
