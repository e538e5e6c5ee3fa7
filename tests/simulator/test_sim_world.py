import time
import warnings

import numpy as np
import pytest

from simulator import world as W
from simulator.indicators import EFFECTS, SPECS
from smartcity_base import reference


def did(world, code, planted=None):
    """Before/after change of participants minus the same-year change of never-participants of the
    same peer group (kota vs kabupaten). With `planted` (the long-run effect): the same average taken
    over the planted effect path instead of the data (what the comparison should find)."""
    v, years = world.series(code), np.array(W.YEARS)
    with warnings.catch_warnings():   # years before a source starts are all NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        control = {k: np.nanmean(v[(world.cohort == 0) & (world.is_kota == k)], axis=0) for k in (True, False)}
    diffs = []
    path = W.effect_path(world.cohort)
    for i in np.flatnonzero(world.cohort > 0):
        first = world.cohort[i] + W.EFFECT_LAG
        gap = v[i] - control[bool(world.is_kota[i])]
        if planted is not None:
            gap = np.where(np.isnan(gap), np.nan, planted * path[i])
        pre, post = gap[(years < first) & ~np.isnan(gap)], gap[(years >= first) & ~np.isnan(gap)]
        if len(pre) and len(post):
            diffs.append(post.mean() - pre.mean())
    return float(np.mean(diffs))


def test_full_scale_builds_fast():
    W.build.cache_clear()
    t = time.perf_counter()
    w = W.build(123)
    assert time.perf_counter() - t < 2.0
    assert w.values.shape == (58, 514, 10)


def test_same_seed_same_world_other_seed_other_world():
    W.build.cache_clear()
    a = W.build(5).values.copy()
    W.build.cache_clear()
    assert np.array_equal(a, W.build(5).values, equal_nan=True)
    assert not np.array_equal(a, W.build(6).values, equal_nan=True)


def test_planted_effects_are_recovered(world):
    truth = W.planted_truth(0)
    assert truth["effects"].keys() == EFFECTS.keys()
    tolerance = {"SS03": 0.5, "SE03": 0.15, "SG01": 0.08, "SG06": 1.5}
    for code, spec in truth["effects"].items():
        assert did(world, code) == pytest.approx(did(world, code, spec["long_run"]), abs=tolerance[code]), code
        # effects build up and differ by cohort: the 2017 cohort's average effect is the largest
        by_cohort = spec["by_cohort"]
        if by_cohort["2017"] is not None:   # SG01 starts in 2018: the 2017 cohort has no pre-joining value
            assert abs(by_cohort["2017"]) > abs(by_cohort["2018"]) > abs(by_cohort["2019"]), code
    for code in truth["no_effect"]:
        assert abs(did(world, code)) < 0.25 * SPECS[code].noise * 10, code
    # selected on a rising trend: a before/after comparison credits the program with it
    for code, spec in truth["selected_on_trend"].items():
        assert did(world, code) > 2 * spec["extra_trend_per_year"], code


def test_noise_differs_by_region(world):
    """Heteroskedastic: the year-to-year noise of a non-trending indicator differs a lot between regions."""
    v = world.series("SE05")
    sd = np.nanstd(np.diff(v, axis=1), axis=1)
    sd = sd[np.isfinite(sd) & (sd > 0)]
    assert np.percentile(sd, 90) > 2 * np.percentile(sd, 10)


def test_selection_makes_naive_comparisons_wrong(world):
    """Participants start ahead: a cross-section in 2016 (before any effect) already shows a gap."""
    v = world.series("SS03")[:, 1]
    assert np.nanmean(v[world.cohort > 0]) - np.nanmean(v[world.cohort == 0]) > 3


def test_effect_indicators_never_hit_their_bounds(world):
    for code in ("SS03", "SE03", "SG01"):
        v, spec = world.series(code), SPECS[code]
        ok = v[~np.isnan(v)]
        assert (ok > spec.lo).all() and (ok < spec.hi).all(), code


def test_values_are_plausible_for_their_unit(world):
    units = {r["kode"]: r["satuan"] for r in reference.indicators()}
    for code, unit in units.items():
        v = world.series(code)
        ok = v[~np.isnan(v)]
        if code in ("PG02", "PG03"):
            assert ok.size == 0          # multi-valued: in world.components / world.dimension_scores
            continue
        assert ok.size > 0, code
        if unit in ("%", "% of area") and SPECS.get(code, SPECS["SG02"]).lo >= 0:   # growth rates may be < 0
            assert ok.min() >= 0 and ok.max() <= 100 + 10 * (code == "SG10"), code
        if unit.startswith("skor 0-5"):
            assert 0 <= ok.min() and ok.max() <= 5, code
        if unit in ("count", "IDR", "per 100k", "per 1000"):
            assert ok.min() >= 0, code
    ipm = world.series("SE05")[:, -1]
    assert np.nanmean(ipm[world.is_kota]) - np.nanmean(ipm[~world.is_kota]) > 4   # peer groups differ
    assert (np.diff(world.series("SG06"), axis=1) >= 0).all()                     # cumulative


def test_evaluation_index_uses_versioned_weights(world):
    pg01, ev = world.series("PG01"), world.evaluated()
    assert (~np.isnan(pg01) == ev).all()
    i, y = np.argwhere(ev)[0]
    w = W.weights_by_year()[y]
    assert pg01[i, y] == pytest.approx(float(np.dot(world.components[i, y], w)), abs=0.006)
    assert not np.array_equal(W.weights_by_year()[0], W.weights_by_year()[-1])


def test_scale_subset_keeps_every_named_participant(world):
    part = set(np.flatnonzero(world.named))
    assert len(part) == len({r["kode_kemendagri"] for r in reference.participants()})
    for scale in (1, 60, 200, 514):
        chosen = world.region_indices(scale)
        assert part <= set(chosen) and len(chosen) == max(scale, len(part))
    assert np.array_equal(world.region_indices(100), W.build(0).region_indices(100))
    assert world.cohort[world.region_index("94.04")] == 2017         # Mimika under its new code


def test_truth_lists_participants_with_first_effect_year(world):
    truth = W.planted_truth(0)
    mimika = next(p for p in truth["participants"] if p["region_code"] == "94.04")
    assert mimika == {"region_code": "94.04", "name": "Kabupaten Mimika", "cohort_year": 2017,
                      "first_effect_year": 2018, "named_in_public_list": True}


def test_hidden_participants_make_official_cohort_sizes_true(world):
    """The public list is partial for 2021-2023: the world enrols participants it does not name, so every
    cohort has its official size in the ministry's list, and the truth says how many are hidden."""
    sizes = {int(r["tahun_kohort"]): int(r["jumlah_resmi"]) for r in reference.load("smart_city_kohort_ukuran")}
    per_cohort = {}
    for year, _ in world.listed:
        per_cohort[year] = per_cohort.get(year, 0) + 1
    for year, size in sizes.items():
        assert per_cohort[year] == max(size, per_cohort[year]), year   # 2024 names 11 for an official 10
        assert per_cohort[year] >= size
    truth = W.planted_truth(0)
    assert truth["hidden_participants"] == {"2017": 0, "2018": 0, "2019": 0, "2021": 23, "2022": 43,
                                            "2023": 35, "2024": 0}
    hidden = [p for p in truth["participants"] if not p["named_in_public_list"]]
    assert len(hidden) == 23 + 43 + 35
    assert all(not world.named[world.region_index(p["region_code"])] for p in hidden)
    # another seed hides other regions
    other = {p["region_code"] for p in W.planted_truth(1)["participants"] if not p["named_in_public_list"]}
    assert other != {p["region_code"] for p in hidden}
