"""The simulator's BPS, which publishes as BPS does, through the real extractor and the real dbt models:
each domain's own numbering found by discovery, and the region's value is the total derived variable
(432/433/434 -> Perkotaan+Perdesaan; Laki-laki+Perempuan) of the official period (poverty 61 Maret,
unemployment 190 Agustus, growth 35 of quarters 31-34). The smallest turvar id, a mean of the
semesters or rounds, or a decoy table would each be off the world's truth by far more than rounding."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import run_dbt

YEARS = [2022, 2023]
CODES = ("POP", "SE01", "SE03", "SE04", "SE05")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from extractors import bps
    from simulator.server import run_in_thread

    work = tmp_path_factory.mktemp("dbt_bps_sim")
    raw = work / "raw"
    with run_in_thread(seed=5, scale=60) as sim:
        domains = sorted({info["prov"] for d, info in sim.sim.bps.domains.items() if info["kind"] == "kab"})[:3]
        client = bps.BpsClient(f"{sim.base_url}/bps/v1/api", sim.bps_key)
        summaries = bps.extract_national(raw, "run-1", years=YEARS, domains=domains, client=client,
                                         quarantine_dir=work / "quarantine")
        world = sim.sim.world
        served = [int(i) for i in sim.sim.served]
    assert not [s for s in summaries if s.get("status") == "quarantined"]
    path = work / "warehouse.duckdb"
    env = {"SMARTCITY_RAW_DIR": str(raw), "SMARTCITY_DUCKDB_PATH": str(path)}
    run = run_dbt(["build", "--target", "duckdb", "--select", "+int_bps__unaligned"], env=env, work=work,
                  name="bps_sim")
    if run.returncode != 0:
        pytest.fail(f"dbt build failed:\n{run.output[-6000:]}")
    return path, world, domains, served


def test_values_are_the_total_of_the_official_period(built):
    import duckdb

    from simulator.world import YEARS as SIM_YEARS

    path, world, domains, served = built
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("select region_code, indicator_code, year, value, period_basis"
                           " from intermediate.int_bps__indicator_values").fetchall()
        unaligned = con.execute("select count(*) from intermediate.int_bps__unaligned").fetchone()[0]
    finally:
        con.close()
    got = {(r, c, y): (v, basis) for r, c, y, v, basis in rows}
    checked = {c: 0 for c in CODES}
    for (region, code, year), (value, basis) in got.items():
        if code not in CODES:
            continue
        i = world.region_index(region)
        truth = float(world.population[i, SIM_YEARS.index(year)]) if code == "POP" else world.value(code, region, year)
        assert value == pytest.approx(truth, abs=0.006), (region, code, year, basis)
        checked[code] += 1
    assert all(n > 0 for n in checked.values()), checked
    bases = {(c, b) for (_, c, _), (_, b) in got.items() if c in CODES}
    assert {("SE03", "period_61"), ("SE04", "period_190"), ("SE01", "annual"), ("POP", "annual")} <= bases
    assert unaligned == 0
    # every served region of those domains has its value for each year (nothing lost to the 9999 row,
    # local ids or the population id that changed in 2021)
    regions = {world.regions[i]["kode_kemendagri"] for i in served}
    in_domains = {r for (r, c, y) in got if c == "POP"}
    assert in_domains <= regions and len(in_domains) >= 3
    for region in in_domains:
        for year in YEARS:
            assert (region, "POP", year) in got
    assert not np.isnan(sum(v for v, _ in got.values()))
