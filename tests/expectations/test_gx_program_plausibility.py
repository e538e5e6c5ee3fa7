"""GX warnings for implausible program data in fct_program_progress (issue 12): done programs that
spent little, delayed programs that spent as much as running ones, a quick-win name reused across
dimensions in one region, masterplan budgets far above the yearly smart city budget."""
from __future__ import annotations

import pandas as pd

from expectations.marts import build_program_progress, prepare_program_progress
from expectations.spec import WARNING


def _frame(done_pct=95.0, delayed_pct=20.0, qw_dims=("Smart Governance", "Smart Governance"), yearly=1e10):
    rows = [
        dict(region_code="35.71", system="monev", item_type="masterplan_program", item_id="1", item_name="A",
             dimension="Smart Governance", status="selesai", budget_idr=1e9, realisation_pct=done_pct),
        dict(region_code="35.71", system="monev", item_type="masterplan_program", item_id="2", item_name="B",
             dimension="Smart Economy", status="berjalan", budget_idr=1e9, realisation_pct=60.0),
        dict(region_code="35.71", system="monev", item_type="masterplan_program", item_id="3", item_name="C",
             dimension="Smart Living", status="tertunda", budget_idr=1e9, realisation_pct=delayed_pct),
        dict(region_code="35.71", system="monev", item_type="quick_win", item_id="q1", item_name="Panic Button 112",
             dimension=qw_dims[0], status="berjalan", budget_idr=None, realisation_pct=None),
        dict(region_code="35.71", system="monev", item_type="quick_win", item_id="q2", item_name="Panic Button 112",
             dimension=qw_dims[1], status="berjalan", budget_idr=None, realisation_pct=None),
    ]
    df = pd.DataFrame(rows)
    df["region_yearly_budget_idr"] = yearly
    return df


def _failures(df) -> set[str]:
    """Descriptions of the expectations a pandas check of the prepared frame would fail."""
    df = prepare_program_progress(df)
    failed = set()
    for exp in build_program_progress(df):
        meta, kind, cfg = exp.meta, type(exp).__name__, exp
        assert meta["severity"] == WARNING
        if kind == "ExpectColumnValuesToBeInSet":
            if not df[cfg.column].isin(cfg.value_set).mean() >= (cfg.mostly or 1.0):
                failed.add(meta["description"])
        else:
            rows = df[df["status"] == "selesai"] if cfg.row_condition is not None else df
            values = rows[cfg.column].dropna()
            top = cfg.max_value if cfg.max_value is not None else float("inf")
            ok = (values >= cfg.min_value) & (values <= top)
            if len(values) and ok.mean() < (cfg.mostly or 1.0):
                failed.add(meta["description"])
    return failed


def test_plausible_program_data_passes():
    assert _failures(_frame()) == set()


def test_each_implausible_pattern_is_warned():
    assert any("selesai" in d for d in _failures(_frame(done_pct=30.0)))
    assert any("tertunda" in d for d in _failures(_frame(delayed_pct=80.0)))
    assert any("quick-win" in d for d in _failures(_frame(qw_dims=("Smart Governance", "Smart Living"))))
    assert any("masterplan" in d for d in _failures(_frame(yearly=3e7)))   # 3e9 masterplan / 3e7 = 100x
