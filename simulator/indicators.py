"""How each catalogue indicator behaves in the simulated world: level by peer group, spread between
regions, yearly trend, noise and bounds. Plausible magnitudes, not official statistics."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spec:
    kab: float                 # 2015 mean level of a kabupaten (median if log)
    kota: float                # ... of a kota (peer groups differ)
    sd: float                  # spread of region baselines (log units if log)
    trend: float               # change per year (growth rate if log)
    noise: float               # year-to-year noise (log units if log)
    lo: float = 0.0
    hi: float = math.inf
    decimals: int = 2
    log: bool = False          # multiplicative model (money amounts)
    floor: float = -math.inf   # lowest region baseline, keeps planted effects away from the bounds
    start: int = 2015          # first year the source publishes
    every: int = 1             # 3 for the 3-yearly Podes
    participants_only: bool = False  # only participants report it, from their cohort year on
    missing: float = 0.03      # share of region-years the source lacks
    shocks: dict[int, float] = field(default_factory=dict)  # year -> shift (2020 pandemic)


SPECS: dict[str, Spec] = {
    "PG06": Spec(5e8, 2e9, 0.9, 0.10, 0.25, decimals=0, log=True),
    "PG07": Spec(25, 30, 8, 8, 4, hi=100, participants_only=True),
    "PG08": Spec(2, 3, 1, 1, 0.6, decimals=0, participants_only=True),
    "PG09": Spec(3.1, 3.3, 0.3, 0.1, 0.1, lo=1, hi=5, participants_only=True),
    "SG01": Spec(1.8, 2.3, 0.4, 0.12, 0.04, hi=5, start=2018),  # decree scores move little year to year
    "SG02": Spec(20, 35, 8, 4, 3, hi=100),
    "SG03": Spec(15, 40, 8, 4, 3),
    "SG04": Spec(60, 70, 10, 2, 4, hi=100),
    "SG05": Spec(8, 6, 2, -0.3, 0.8, lo=1),
    "SG07": Spec(40, 50, 12, 2, 5, hi=100),
    "SG08": Spec(3.2, 3.5, 0.4, 0.08, 0.3, lo=1, hi=4, decimals=0),
    "SG09": Spec(75, 79, 4, 0.5, 1.5, hi=100),
    "SG10": Spec(88, 91, 4, 0.3, 3, lo=40, hi=110),
    "SG11": Spec(20, 15, 5, -0.2, 2, hi=100),
    "SG12": Spec(0.8, 1.1, 0.3, 0.05, 0.1, hi=100),
    "SB01": Spec(0.6, 1.2, 0.4, 0.05, 0.1, shocks={2020: -0.4, 2021: -0.3}),
    "SB02": Spec(45, 55, 8, 0.8, 2, hi=100, missing=0.05, shocks={2020: -20, 2021: -12}),
    "SB03": Spec(2e10, 8e10, 0.8, 0.08, 0.1, decimals=0, log=True),
    "SB04": Spec(2, 4, 1, 0.3, 0.4, start=2018),
    "SB05": Spec(5e11, 1e12, 1.0, 0.07, 0.3, decimals=0, log=True),
    "SB06": Spec(10, 8, 4, 0.2, 0.5, hi=100),
    "SE01": Spec(5.0, 5.3, 0.8, 0.0, 1.0, lo=-20, hi=25, shocks={2020: -6.5, 2021: -2.0}),
    "SE02": Spec(3.5e7, 6e7, 0.5, 0.06, 0.03, decimals=0, log=True, shocks={2020: -0.04}),
    "SE03": Spec(11, 8, 3, -0.2, 0.25, lo=0.3, hi=60, floor=6),
    "SE04": Spec(4.5, 6.5, 1.5, -0.05, 0.4, lo=0.5, hi=30, shocks={2020: 1.5, 2021: 1.0}),
    "SE05": Spec(67, 75, 4, 0.55, 0.15, lo=30, hi=100),
    "SE06": Spec(12, 20, 6, 0.3, 1.5, hi=100, floor=2),
    "SE07": Spec(70, 78, 10, 3, 3, hi=100, start=2021),
    "SE08": Spec(5, 12, 3, 3, 1, start=2019),
    "SL01": Spec(68.5, 71.5, 2.5, 0.12, 0.05, lo=50, hi=85),
    "SL02": Spec(28, 20, 7, -1.5, 1.5, lo=2, hi=70, floor=14),
    "SL03": Spec(70, 80, 10, 2.2, 2, hi=100),
    "SL04": Spec(0.9, 2.0, 0.4, 0.04, 0.05, lo=0.05),
    "SL05": Spec(80, 92, 8, 0.8, 1.2, hi=100),
    "SL06": Spec(72, 88, 10, 1.3, 1.5, hi=100),
    "SL07": Spec(55, 65, 10, 1.0, 1.5, hi=100),
    "SL08": Spec(60, 75, 12, 0.8, 2.5, hi=100),
    "SL09": Spec(10, 8, 3, -0.1, 1),
    "SS01": Spec(7.8, 10.2, 1.2, 0.1, 0.04, lo=2, hi=14),
    "SS02": Spec(75, 80, 6, 0.5, 1.5, hi=100),
    "SS03": Spec(22, 36, 6, 3.5, 1.5, hi=100, floor=8),
    "SS04": Spec(70, 97, 15, 4, 2, hi=100, every=3),
    "SS05": Spec(40, 47, 5, 1, 1, hi=100, start=2020),
    "SS06": Spec(110, 180, 40, -2, 10, floor=20),
    "SS07": Spec(15, 12, 4, -0.8, 1.5, lo=3, participants_only=True),
    "SN01": Spec(68, 60, 8, 0.3, 1.5, hi=100),
    "SN02": Spec(85, 80, 5, -0.1, 1.5, hi=100),
    "SN03": Spec(55, 70, 12, 1.5, 3, hi=100),
    "SN04": Spec(15, 20, 6, 1, 2, hi=100),
    "SN05": Spec(92, 99, 6, 0.8, 0.5, hi=100),
    "SN06": Spec(10, 15, 5, 5, 2, hi=100, participants_only=True),
    "SN07": Spec(140, 110, 25, -1, 3, floor=30),
}

# Indicators with their own generator in world.py: evaluation scores (PG01-PG03), adoption events
# (PG04, PG05) and the cumulative open-dataset count (SG06) that the CKAN catalogue is built from.
SPECIAL = {"PG01", "PG02", "PG03", "PG04", "PG05", "SG06"}

# The planted program effect (long run): it starts in the first full year after joining (cohort_year +
# 1), builds up over EFFECT_RAMP_YEARS years and differs by cohort (COHORT_EFFECT_SCALE, default 1).
# Units are the indicator's own (percentage points, score points, datasets).
EFFECTS: dict[str, float] = {"SS03": 6.0, "SE03": -1.5, "SG01": 0.3, "SG06": 25.0}
EFFECT_RAMP_YEARS = 2          # half the effect in the first full year, all of it from the second on
COHORT_EFFECT_SCALE = {2017: 1.25, 2019: 0.75}
# Outcomes the program does not move: a correct analysis finds ~0 here.
NO_EFFECT = ("SE05", "SE04", "SS01")
# No effect either, but participants were selected on a rising trend: they improve faster than the
# others every year, before and after joining (units per year). A before/after comparison credits the
# program with it; the pre-trend (placebo) test must flag it.
TREND_SELECTED: dict[str, float] = {"SL01": 0.08}
# Year-to-year noise differs by region: each region's noise sd is spec.noise x a lognormal factor with
# mean 1 and this log-sd.
NOISE_LOG_SD = 0.5
# Participants start from better baselines (selection): baseline shifted by this many `sd` in the
# good direction, the same in every year, so before/after comparisons with controls remove it.
SELECTION_SD = 0.5
