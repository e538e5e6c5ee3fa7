"""The served DuckDB file opens in the DuckDB clients analysts actually have (issue 17).

The warehouse is written by the duckdb Python package (2.x), whose default storage format the 1.x CLI,
DBeaver and Metabase drivers refuse. The released 1.x CLI from PyPI (`duckdb-cli`, installed by
`make install` into its own environment under `.tools/duckdb-cli`) opens the published file read-only and
runs the README's query."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from smartcity.publish import publish
from smartcity_base.settings import PROJECT_ROOT

CLI = PROJECT_ROOT / ".tools" / "duckdb-cli" / "bin" / "duckdb"
README_QUERY = "select * from marts.fct_smart_city_index limit 10;"


@pytest.fixture(scope="module")
def duckdb_cli() -> Path:
    if not CLI.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CLI} is missing: `make install` installs the DuckDB 1.x CLI")
        pytest.skip(f"no DuckDB 1.x CLI at {CLI} (`make install` brings it)")
    return CLI


def test_cli_is_a_released_1x(duckdb_cli):
    out = subprocess.run([str(duckdb_cli), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("v1."), out


def test_served_file_opens_read_only_in_duckdb_1x_cli(duckdb_cli, duckdb_build, project_paths):
    candidate = project_paths.build_dir / "candidate-clients.duckdb"
    candidate.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(duckdb_build.path, candidate)
    publish(candidate, project_paths, exports=False, postgres_dsn="")

    proc = subprocess.run([str(duckdb_cli), "-readonly", "-csv", str(project_paths.published_path),
                           "-c", README_QUERY], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert "region_code" in lines[0].split(",")
    assert len(lines) == 1 + 10

    # the file the CLI read is the one readers are told to open, with every region in it
    proc = subprocess.run([str(duckdb_cli), "-readonly", "-csv", "-noheader", str(project_paths.published_path),
                           "-c", "select count(distinct region_code) from marts.dim_region;"],
                          capture_output=True, text=True, timeout=60, check=True)
    import duckdb

    with duckdb.connect(str(project_paths.published_path), read_only=True) as con:
        expected = con.execute("select count(distinct region_code) from marts.dim_region").fetchone()[0]
    assert int(proc.stdout.strip()) == expected > 0
