"""The image build context holds code, never secrets or data (issue 15, High 2): `COPY . /opt/smartcity`
copies whatever `.dockerignore` does not exclude, and an image layer keeps it for good."""
from __future__ import annotations

from pathlib import Path

import pathspec
import pytest

ROOT = Path(__file__).resolve().parents[2]

# what must never be in the build context: secrets, local environments, data, state and history
MUST_EXCLUDE = [
    ".env", ".env.local", ".env.production", ".venv/bin/python", ".tools/bin/uv", ".airflow/airflow.db",
    ".git/HEAD", ".git/config", "data/raw/bps/observations/domain=3500/data.parquet", "data/drop/x.xlsx",
    "warehouse/published.duckdb", "warehouse/.build/candidate.duckdb", "logs/run.log",
    "exports/marts.csv", "dbt_project/target/manifest.json", "dbt_project/logs/dbt.log",
    "smartcity/__pycache__/cli.cpython-311.pyc", "local.duckdb",
]
# what the image needs
MUST_INCLUDE = ["Dockerfile", "pyproject.toml", "uv.lock", ".env.example", "dags/extract_ckan.py",
                "extractors/http.py", "smartcity/pools.json", "dbt_project/dbt_project.yml",
                "docker/postgres-init.sh"]


@pytest.fixture(scope="module")
def ignored():
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    # Docker's rules (Go filepath.Match plus `**` and `!` exceptions, last match wins) agree with
    # gitwildmatch for these root-relative patterns
    spec = pathspec.PathSpec.from_lines("gitwildmatch", lines)
    return spec.match_file


@pytest.mark.parametrize("path", MUST_EXCLUDE)
def test_secrets_and_data_stay_out_of_the_image(ignored, path):
    assert ignored(path), f"{path} would be copied into the image"


@pytest.mark.parametrize("path", MUST_INCLUDE)
def test_the_code_goes_in(ignored, path):
    assert not ignored(path), f"{path} is needed in the image but excluded"
