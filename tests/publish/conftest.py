from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def make_candidate(path: Path, version: int) -> Path:
    """A candidate whose version shows in its row counts: version k has 2 + k years of facts."""
    from expectations.samples import build_sample_warehouse

    return build_sample_warehouse(path, version=version, years=tuple(range(2010, 2012 + version)),
                                  indicators=("SE01", "SE05", "SS03"))


@pytest.fixture
def candidates(project_paths):
    """make(version) -> candidate path under warehouse/.build/."""
    def make(version: int) -> Path:
        return make_candidate(project_paths.build_dir / f"candidate-{version}.duckdb", version)
    return make


@pytest.fixture
def python():
    return sys.executable
