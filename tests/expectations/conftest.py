from __future__ import annotations

import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture
def good_warehouse(tmp_path):
    from expectations.samples import build_sample_warehouse

    return build_sample_warehouse(tmp_path / "candidate.duckdb")


@pytest.fixture
def sql(good_warehouse):
    """Run SQL against the candidate (to plant bad data)."""
    import duckdb

    def run(*statements: str):
        con = duckdb.connect(str(good_warehouse))
        try:
            for s in statements:
                con.execute(s)
        finally:
            con.close()
    return run
