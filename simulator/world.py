"""The simulated world: every indicator of the catalogue for the 514 real regions, 2015-2024, with a
planted program effect. Pure functions of the seed; everything served or written is derived from here.

Values are generated for all 514 regions whatever the scale, so a region's numbers do not depend on
how many regions a run serves; `region_indices(scale)` picks the served subset."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulator.indicators import (
    COHORT_EFFECT_SCALE,
    EFFECT_RAMP_YEARS,
    EFFECTS,
    NO_EFFECT,
    NOISE_LOG_SD,
    SELECTION_SD,
    SPECS,
    TREND_SELECTED,
)
from smartcity_base import reference

YEARS = tuple(range(2015, 2025))
AS_OF = "2025-01-31T00:00:00"      # the simulated "now": no wall clock anywhere in the data
COMPONENTS = ("Baseline", "Output", "Outcome", "Impact", "Quick Win")
WEIGHT_VERSION_SWITCH = 2022       # years before use bobot_versi_a, from it on bobot_versi_b
EFFECT_LAG = 1                     # effects start in cohort_year + 1 (first full year in the program)


@dataclass(frozen=True, eq=False)
class World:
    seed: int
    regions: tuple[dict[str, str], ...]     # all 514, reference order
    is_kota: np.ndarray                     # (R,) bool
    cohort: np.ndarray                      # (R,) cohort year, 0 = never joined
    indicators: tuple[str, ...]             # catalogue codes, catalogue order
    values: np.ndarray                      # (I, R, Y) float, NaN = source has no value
    monthly: dict[str, np.ndarray]          # code -> (R, Y, 12) monthly values
    population: np.ndarray                  # (R, Y) int64
    components: np.ndarray                  # (R, Y, 5) Kominfo evaluation component scores
    dimensions: tuple[str, ...]
    dimension_scores: np.ndarray            # (R, Y, 6)
    named: np.ndarray                       # (R,) bool: the public list names the region (else hidden)
    listed: tuple[tuple[int, int], ...]     # the ministry's full list: (cohort year, region index) rows

    @property
    def codes(self) -> list[str]:
        return [r["kode_kemendagri"] for r in self.regions]

    def region_index(self, code: str) -> int:
        return _code_index(self)[code]

    def series(self, indicator: str) -> np.ndarray:
        return self.values[self.indicators.index(indicator)]

    def value(self, indicator: str, region_code: str, year: int) -> float:
        return float(self.series(indicator)[self.region_index(region_code), YEARS.index(year)])

    def evaluated(self) -> np.ndarray:
        """(R, Y) bool: a participant is evaluated each year after its cohort year."""
        years = np.array(YEARS)
        return (self.cohort[:, None] > 0) & (years[None, :] > self.cohort[:, None])

    def index_score(self) -> np.ndarray:
        """(R, Y) Indeks Pencapaian: components weighted with the weights of that year's version."""
        return np.round(np.einsum("ryc,yc->ry", self.components, weights_by_year()), 2)

    def region_indices(self, scale: int = 514) -> np.ndarray:
        return _subset(self, max(1, min(int(scale), len(self.regions))))


@lru_cache(maxsize=8)
def _code_index(world: World) -> dict[str, int]:
    return {c: i for i, c in enumerate(world.codes)}


@lru_cache(maxsize=32)
def _subset(world: World, scale: int) -> np.ndarray:
    """Every participant the public list names, then a seeded sample of the others (hidden participants
    included); reference order."""
    part = np.flatnonzero(world.named)
    others = np.flatnonzero(~world.named)
    rng = np.random.default_rng([world.seed, 7001])
    extra = rng.permutation(others)[: max(0, scale - len(part))]
    chosen = np.sort(np.concatenate([part, extra]))
    return chosen  # participants are always served, so the smallest run has all of them


def stable_id(*parts: object) -> str:
    """Deterministic uuid-shaped id (CKAN ids are uuids)."""
    h = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@lru_cache(maxsize=None)
def weights_by_year() -> np.ndarray:
    """(Y, 5) component weights per evaluation year, from smart_city_evaluasi_komponen.csv."""
    rows = {r["komponen"]: r for r in reference.load("smart_city_evaluasi_komponen")}
    a = [float(rows[c]["bobot_versi_a"]) for c in COMPONENTS]
    b = [float(rows[c]["bobot_versi_b"]) for c in COMPONENTS]
    return np.array([a if y < WEIGHT_VERSION_SWITCH else b for y in YEARS])


def _cohorts(regions, seed: int = 0) -> tuple[np.ndarray, np.ndarray, tuple[tuple[int, int], ...]]:
    """(cohort, named, listed): the joining year of every participant, whether the public list names it,
    and the ministry's full list. The public list (smart_city_peserta) is partial for some cohorts: the
    simulator enrols participants it does not name so that every cohort has its official size
    (smart_city_kohort_ukuran), drawn from the regions no source names (seeded)."""
    index = {r["kode_kemendagri"]: i for i, r in enumerate(regions)}
    cohort = np.zeros(len(regions), dtype=np.int64)
    listed: list[tuple[int, int]] = []
    for p in reference.participants():
        i = index[reference.old_to_current_code().get(p["kode_kemendagri"], p["kode_kemendagri"])]
        year = int(p["tahun_kohort"])
        cohort[i] = year if cohort[i] == 0 else min(cohort[i], year)
        if (year, i) not in listed:
            listed.append((year, i))
    named = cohort > 0
    rng = np.random.default_rng([seed, 505])
    pool = list(rng.permutation(np.flatnonzero(~named)))
    for row in reference.load("smart_city_kohort_ukuran"):
        year, size = int(row["tahun_kohort"]), int(row["jumlah_resmi"])
        n_named = sum(1 for y, _ in listed if y == year)
        for _ in range(max(0, size - n_named)):
            i = int(pool.pop())
            cohort[i] = year
            listed.append((year, i))
    return cohort, named, tuple(sorted(listed))


def effect_path(cohort: np.ndarray, years=None) -> np.ndarray:
    """(R, Y) share of the long-run effect a region has in each year: 0 before cohort_year + EFFECT_LAG,
    then building up over EFFECT_RAMP_YEARS years, scaled by its cohort (COHORT_EFFECT_SCALE)."""
    years = np.array(YEARS if years is None else years)
    since = years[None, :] - cohort[:, None] - EFFECT_LAG + 1          # 1 in the first full year
    ramp = np.clip(since / EFFECT_RAMP_YEARS, 0, 1)
    scale = np.array([COHORT_EFFECT_SCALE.get(int(c), 1.0) for c in cohort])
    return np.where((cohort[:, None] > 0) & (since >= 1), ramp * scale[:, None], 0.0)


def _generic(spec, rng, is_kota, cohort, years, code) -> np.ndarray:
    n, ny = len(is_kota), len(years)
    participant = cohort > 0
    level = np.where(is_kota, spec.kota, spec.kab)
    z = rng.standard_normal(n)
    # heteroskedastic: every region has its own noise level (lognormal factor, mean 1)
    region_noise = np.exp(NOISE_LOG_SD * rng.standard_normal(n) - NOISE_LOG_SD ** 2 / 2)
    noise = rng.standard_normal((n, ny)) * spec.noise * region_noise[:, None]
    sign = -1.0 if code in _LOWER_BETTER else 1.0
    if spec.participants_only:
        t = np.clip(years[None, :] - cohort[:, None], 0, None)
    else:
        t = np.broadcast_to(years[None, :] - years[0], (n, ny))
    shock = np.array([spec.shocks.get(int(y), 0.0) for y in years])[None, :]
    if spec.log:
        base = np.log(level) + spec.sd * z + sign * SELECTION_SD * spec.sd * participant
        out = np.exp(base[:, None] + np.log1p(spec.trend) * t + shock + noise)
    else:
        base = np.maximum(level + spec.sd * z, spec.floor) + sign * SELECTION_SD * spec.sd * participant
        out = (base[:, None] + spec.trend * t + shock + noise + EFFECTS.get(code, 0.0) * effect_path(cohort, years)
               + TREND_SELECTED.get(code, 0.0) * participant[:, None] * (years - years[0])[None, :])
    out = np.round(np.clip(out, spec.lo, spec.hi), spec.decimals)
    gone = (rng.random((n, ny)) < spec.missing) | (years[None, :] < spec.start)
    if spec.every > 1:
        gone |= ((years - 2018) % spec.every != 0)[None, :]
    if spec.participants_only:
        gone |= ~participant[:, None] | (years[None, :] < cohort[:, None])
    return np.where(gone, np.nan, out)


def _open_datasets(rng, is_kota, cohort, years) -> np.ndarray:
    """SG06: cumulative datasets on the national catalogue; nondecreasing so the CKAN catalogue can
    be built from it (packages created by the end of year y = SG06[y])."""
    n = len(is_kota)
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    part = cohort > 0
    base = np.maximum(0, np.where(is_kota, 8, 3) + 4 * z1 + SELECTION_SD * 4 * part)
    slope = np.maximum(0.5, np.where(is_kota, 7, 4) + 2 * z2)
    # cumulative count: the planted effect path is non-decreasing in time, so the count stays so
    return np.round(base[:, None] + slope[:, None] * (years - years[0])[None, :]
                    + EFFECTS["SG06"] * effect_path(cohort, years))


def _evaluation(rng, cohort, years, n_dims):
    n, ny = len(cohort), len(years)
    since = years[None, :] - cohort[:, None]
    growth = 2.0 + 0.22 * np.clip(since, 0, 8) + 0.4 * rng.standard_normal(n)[:, None]
    comp = growth[:, :, None] + 0.3 * rng.standard_normal((1, 1, 5)) + 0.15 * rng.standard_normal((n, ny, 5))
    dims = growth[:, :, None] + 0.35 * rng.standard_normal((1, 1, n_dims)) \
        + 0.2 * rng.standard_normal((n, ny, n_dims))
    evaluated = ((cohort[:, None] > 0) & (since > 0))[:, :, None]
    comp = np.where(evaluated, np.round(np.clip(comp, 0, 5), 2), np.nan)
    dims = np.where(evaluated, np.round(np.clip(dims, 0, 5), 2), np.nan)
    return comp, dims


def _adoption(rng, cohort, years, lag_max) -> np.ndarray:
    """PG04/PG05 events: 1 from the year of adoption on; participants adopt soon after joining."""
    n = len(cohort)
    late = rng.integers(2018, 2030, n)  # years past 2024 = never within the window
    adopt = np.where(cohort > 0, cohort + rng.integers(0, lag_max + 1, n), np.where(late % 3 == 0, late, 9999))
    return (years[None, :] >= adopt[:, None]).astype(float)


_LOWER_BETTER = {r["kode"] for r in reference.indicators() if r["arah"] == "lower_better"}


@lru_cache(maxsize=4)
def build(seed: int = 0) -> World:
    regions = reference.regions()
    years = np.array(YEARS)
    is_kota = np.array([r["jenis"] == "Kota" for r in regions])
    cohort, named, listed = _cohorts(regions, seed)
    codes = tuple(r["kode"] for r in reference.indicators())
    dims = tuple(dict.fromkeys(r["dimensi"] for r in reference.load("smart_city_dimensi")))
    values = np.full((len(codes), len(regions), len(years)), np.nan)
    monthly: dict[str, np.ndarray] = {}
    for k, code in enumerate(codes):
        rng = np.random.default_rng([seed, 101, k])
        if code in SPECS:
            values[k] = _generic(SPECS[code], rng, is_kota, cohort, years, code)
        elif code == "SG06":
            values[k] = _open_datasets(rng, is_kota, cohort, years)
        elif code in ("PG04", "PG05"):
            values[k] = _adoption(rng, cohort, years, 1 if code == "PG04" else 0)
    sb02 = codes.index("SB02")
    monthly["SB02"] = _months(values[sb02], np.random.default_rng([seed, 202]), is_kota)
    values[sb02] = np.round(monthly["SB02"].mean(axis=2), 2)  # "Tahunan" = mean of the months
    comp, dim_scores = _evaluation(np.random.default_rng([seed, 303]), cohort, years, len(dims))
    world = World(seed, regions, is_kota, cohort, codes, values, monthly,
                  _population(np.random.default_rng([seed, 404]), regions, years),
                  comp, dims, dim_scores, named, listed)
    values[codes.index("PG01")] = np.where(world.evaluated(), world.index_score(), np.nan)
    for a in (values, is_kota, cohort, named, comp, dim_scores, world.population, monthly["SB02"]):
        a.setflags(write=False)
    return world


def _months(annual, rng, is_kota) -> np.ndarray:
    """SB02 hotel occupancy by month; BPS publishes it for kota and some kabupaten only."""
    season = np.array([-5, -6, -3, -1, 0, 2, 6, 5, 0, -1, -2, 5], dtype=float)
    months = np.round(np.clip(annual[:, :, None] + season + 2 * rng.standard_normal(annual.shape + (12,)), 0, 100), 2)
    published = is_kota | (rng.random(len(is_kota)) < 0.4)
    return np.where(published[:, None, None] & ~np.isnan(annual)[:, :, None], months, np.nan)


def _population(rng, regions, years) -> np.ndarray:
    pop2024 = np.array([float(r["penduduk_dukcapil_2024s2"]) for r in regions])
    growth = 0.011 + 0.004 * rng.standard_normal(len(regions))
    back = (years[-1] - years)[None, :]
    wobble = 1 + 0.002 * rng.standard_normal((len(regions), len(years)))
    return np.round(pop2024[:, None] / (1 + growth[:, None]) ** back * wobble).astype(np.int64)


def _cohort_years(w: World) -> list[int]:
    return sorted({int(c) for c in w.cohort[w.cohort > 0]})


def _in_sample_effect(w: World, code: str, cohort_year: int | None = None) -> float | None:
    """Mean planted effect over the participant-years after the joining year that the data can identify
    (a value that year and in the year before joining), optionally for one cohort."""
    years = np.array(YEARS)
    effect = EFFECTS[code]
    path = effect_path(w.cohort)
    v = w.series(code)
    base_idx = np.clip(w.cohort - 1 - YEARS[0], 0, len(YEARS) - 1)
    has_base = (w.cohort - 1 >= YEARS[0]) & ~np.isnan(v[np.arange(len(w.cohort)), base_idx])
    post = ((w.cohort[:, None] > 0) & (years[None, :] > w.cohort[:, None]) & ~np.isnan(v)
            & has_base[:, None])
    if cohort_year is not None:
        post &= (w.cohort == cohort_year)[:, None]
    return round(float(effect * path[post].mean()), 6) if post.any() else None


def planted_truth(seed: int = 0) -> dict:
    """What a correct evaluation must recover: the effect per indicator and who was treated when."""
    w = build(seed)
    catalogue = {r["kode"]: r for r in reference.indicators()}
    return {
        "seed": seed,
        "years": list(YEARS),
        "as_of": AS_OF,
        "effect_starts": f"cohort_year + {EFFECT_LAG}",
        "effect_ramp_years": EFFECT_RAMP_YEARS,
        # effect: the average planted effect over the participant-years after the joining year that the
        # data identify (what the warehouse's overall row estimates); by_cohort: the same per cohort;
        # long_run: the full effect
        "effects": {c: {"effect": _in_sample_effect(w, c), "long_run": e,
                        "by_cohort": {str(g): _in_sample_effect(w, c, g) for g in _cohort_years(w)},
                        "unit": catalogue[c]["satuan"], "direction": catalogue[c]["arah"],
                        "name": catalogue[c]["nama_id"]} for c, e in EFFECTS.items()},
        "no_effect": list(NO_EFFECT),
        "selected_on_trend": {c: {"extra_trend_per_year": slope, "name": catalogue[c]["nama_id"]}
                              for c, slope in TREND_SELECTED.items()},
        "noise": f"region-specific: spec noise x lognormal factor (log-sd {NOISE_LOG_SD}, mean 1)",
        "selection": f"participants start {SELECTION_SD} sd better (constant over time)",
        "participants": [{"region_code": w.regions[i]["kode_kemendagri"], "name": w.regions[i]["nama"],
                          "cohort_year": int(w.cohort[i]), "first_effect_year": int(w.cohort[i]) + EFFECT_LAG,
                          "named_in_public_list": bool(w.named[i])}
                         for i in np.flatnonzero(w.cohort > 0)],
        # the public list is partial: these participants only the ministry's list (daftar_peserta) names
        "hidden_participants": {str(y): sum(1 for i in np.flatnonzero((w.cohort == y) & ~w.named))
                                for y in sorted(set(int(c) for c in w.cohort[w.cohort > 0]))},
        "evaluation_weights": {str(y): dict(zip(COMPONENTS, map(float, row), strict=True))
                               for y, row in zip(YEARS, weights_by_year(), strict=True)},
    }
