"""BPS as it really publishes (issue 18): per-domain numbering found by discovery, verification on every
fetch, series that change ids, the 2022 Papua provinces, vertical variables by `labelvervar`, the 9999
total row, `last_update`. Against recorded answers (tests/fixtures/real) and the simulator, whose BPS
numbers, titles and decoys each domain's tables differently. Each test fails on the code before #18."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from extractors import bps, bps_discovery, regions

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
PINRANG = json.loads((REAL / "bps_data_pinrang_population_var31.json").read_text())
# Batang Hari (1504) as a public listing of its tables shows it (docs/real-sources.md)
BATANG_HARI_VARS = [
    {"var_id": 32, "title": "Jumlah Penduduk", "unit": "Jiwa", "sub_name": "Kependudukan"},
    {"var_id": 178, "title": "Jumlah Penduduk Menurut Kelompok Umur dan Jenis Kelamin", "unit": "Jiwa"},
    {"var_id": 169, "title": "Jumlah Penduduk Menurut Kecamatan dan Jenis Kelamin", "unit": "Jiwa"},
    {"var_id": 39, "title": "Jumlah Penduduk Menurut Kecamatan", "unit": "Jiwa"},
    {"var_id": 40, "title": "Jumlah Penduduk Miskin", "unit": "Ribu Jiwa"},
]


def with_vervar(labelvervar, label, val=1):
    """The recorded Pinrang answer keyed by another vervar (its datacontent keys rebuilt)."""
    content = {f"{val}{k[4:]}": v for k, v in PINRANG["datacontent"].items()}
    return {**PINRANG, "labelvervar": labelvervar, "vervar": [{"val": val, "label": label}], "datacontent": content}


def kab_domains(env, n=2):
    """Kab/kota domains the (small) simulator serves."""
    return [d for d, info in env.sim.bps.domains.items() if info["kind"] == "kab"][:n]


@pytest.fixture
def env(simulator, monkeypatch):
    for key, value in simulator.connections.items():
        monkeypatch.setenv(key, value)
    simulator.set_faults()
    yield simulator


@pytest.fixture
def client(env, http):
    return bps.BpsClient.from_env(http=http)


# --- 1. variables are numbered per domain: discovery, not fixed ids -------------------------------------
def test_recorded_listing_matches_population_and_leaves_the_breakdowns():
    entries = {e.indicator_code: e for e in bps_discovery.match_domain("1504", BATANG_HARI_VARS, overrides=[])}
    pop = entries["POP"]
    assert (pop.var_id, pop.status, pop.score) == ("32", "matched", 1.0)   # not 178 / 169 / 39
    assert entries["SE03"].status == "missing" and "no table" in entries["SE03"].reason


def test_title_variants_units_and_ambiguity():
    variants = [{"var_id": 7, "title": "Banyaknya Penduduk (Jiwa)", "unit": "Jiwa"},
                {"var_id": 8, "title": "Jumlah Penduduk", "unit": "Ribu Jiwa"}]
    pop = [e for e in bps_discovery.match_domain("7300", variants, overrides=[]) if e.indicator_code == "POP"]
    assert [(e.var_id, e.status) for e in pop] == [("7", "matched")]
    only_other_unit = [e for e in bps_discovery.match_domain("7300", variants[1:], overrides=[])
                       if e.indicator_code == "POP"]
    assert only_other_unit[0].status == "ambiguous" and "unit" in only_other_unit[0].reason
    two = [{"var_id": 7, "title": "Jumlah Penduduk", "unit": "Jiwa"},
           {"var_id": 9, "title": "Banyaknya Penduduk", "unit": "Jiwa"}]
    overlapping = bps_discovery.match_domain("7300", two, overrides=[], years_of=lambda v: {2019, 2020, 2021})
    assert {e.status for e in overlapping if e.indicator_code == "POP"} == {"ambiguous"}


def test_overrides_win_and_are_marked():
    overrides = [{"domain": "1504", "indicator_code": "POP", "var_id": "169", "year_from": "2020", "year_to": "",
                  "note": "checked by hand"}]
    pop = [e for e in bps_discovery.match_domain("1504", BATANG_HARI_VARS, overrides=overrides)
           if e.indicator_code == "POP"]
    assert [(e.var_id, e.status, e.year_from, e.reason) for e in pop] == \
        [("169", "overridden", 2020, "checked by hand")]


def test_discovery_finds_each_domains_own_ids_in_the_simulator(client, env):
    numbering = env.sim.bps
    for domain in (*kab_domains(env), "1100", "7300"):
        entries = bps_discovery.discover_domain(client, domain)
        for e in entries:
            if e.status == "matched":
                var = numbering.catalogue(domain)[int(e.var_id)]
                assert var.indicator == e.indicator_code and var.kind == "main", (domain, e)
        for var in numbering.catalogue(domain).values():
            if var.kind == "main" and numbering.cube(var, domain) is not None:
                assert any(e.var_id == str(var.id) and e.status == "matched" for e in entries), (domain, var)
    ids = {numbering.var_for(d, "SE05").id for d in ("1100", "7300", "3300") if numbering.var_for(d, "SE05")}
    assert len(ids) == 3                                                   # no shared numbering


# --- 4. a series that changed ids over the years -------------------------------------------------------
def test_population_spanning_two_ids_is_matched_by_years(client, env):
    pop = [e for e in bps_discovery.discover_domain(client, "7300") if e.indicator_code == "POP"]
    assert [e.status for e in pop] == ["matched", "matched"]
    assert pop[0].year_to == 2020 and pop[1].year_from == 2021 and pop[0].var_id != pop[1].var_id


# --- verification on every fetch: a wrong var id is caught ------------------------------------------------
def test_a_wrong_var_id_is_quarantined_not_landed(tmp_path, client, env):
    """The map says population is var X; BPS answers var X with another table (the breakdown by age):
    nothing lands, the rows are quarantined with the reason."""
    entry = next(e for e in bps_discovery.discover_domain(client, "7300") if e.indicator_code == "POP")
    decoy = env.sim.bps.var_for("7300", "POP", kind="decoy_age").id
    with pytest.raises(bps._Quarantined) as caught:
        bps.land_observations(tmp_path / "raw", client, "7300", decoy, "run-1", entry=entry,
                              quarantine_dir=tmp_path / "q")
    assert "Kelompok Umur" in caught.value.reason and "POP" in caught.value.reason
    assert not (tmp_path / "raw" / "bps" / "observations" / "domain=7300").exists()
    rows = pq.read_table(next((tmp_path / "q" / "bps" / "observations").glob("*.parquet"))).to_pylist()
    assert rows and all(r["reason"] == caught.value.reason for r in rows)
    other_unit = copy.copy(entry)
    other_unit.unit = "Ribu Jiwa"
    assert "unit" in bps_discovery.verify(json.loads(json.dumps(PINRANG)), other_unit)
    by_kecamatan = copy.copy(entry)
    by_kecamatan.title = "Jumlah Penduduk"
    payload = {**PINRANG, "labelvervar": "Kecamatan"}
    assert "kabupaten/kota" in bps_discovery.verify(payload, by_kecamatan)       # a province domain's table


def test_the_national_pull_uses_discovered_maps_and_reports_gaps(tmp_path, client, env):
    summaries = bps.extract_national(tmp_path / "raw", "run-1", years=[2020, 2021], domains=["7300", "9600"],
                                     client=client, quarantine_dir=tmp_path / "q")
    landed = [s for s in summaries if s.get("row_count")]
    numbering = env.sim.bps
    pulled = {s["partition"] for s in landed}
    pop_old, pop_new = numbering.var_for("7300", "POP", 2020).id, numbering.var_for("7300", "POP", 2021).id
    assert {f"domain=7300/var={pop_old}", f"domain=7300/var={pop_new}"} <= pulled
    decoys = {v.id for v in numbering.catalogue("7300").values() if v.kind != "main"}
    assert not any(f"domain=7300/var={d}" in pulled for d in decoys)
    maps = list((tmp_path / "raw" / "bps" / "variable_map").glob("domain=*/data.parquet"))
    assert len(maps) == 2
    landed_new = tmp_path / "raw" / "bps" / "observations" / f"domain=7300/var={pop_new}" / "data.parquet"
    rows = pq.read_table(landed_new).to_pylist()
    assert {r["year"] for r in rows} == {2021} and {r["indicator_code"] for r in rows} == {"POP"}


# --- 5. the four 2022 Papua provinces --------------------------------------------------------------------
def test_every_current_province_domain_is_pulled_with_the_regions_it_holds():
    domains = regions.province_domains()
    assert len(domains) == 38 and {"9500", "9600", "9700", "9200"} <= set(domains)
    assert "94.04" in regions.regions_of_domain("9400", 2021) and "94.04" not in regions.regions_of_domain("9400", 2022)
    assert "94.04" in regions.regions_of_domain("9600", 2022) and not regions.regions_of_domain("9600", 2021)
    payload = with_vervar("Kabupaten/Kota", "Mimika")
    rows = list(bps.decode_data(payload, "9600"))
    assert rows and {r["region_code"] for r in rows} == {"94.04"}


# --- 6. vertical variables: labelvervar, bare names, 9999, trailing spaces ---------------------------------
def test_labelvervar_kota_keeps_kota_kediri_apart_and_9999_is_the_total():
    def codes(labelvervar, label, val=1):
        payload = with_vervar(labelvervar, label, val)
        return {r["region_code"] for r in bps.decode_data(payload, "3500")}
    assert codes("Kota", "Kediri ") == {"35.71"}            # Kota Kediri, trailing space and all
    assert codes("Kabupaten/Kota", "Kediri") == {"35.06"}   # BPS writes kabupaten bare
    assert codes("Kota", "Malang") == {"35.73"} and codes("Kota", "Blitar") == {"35.72"}
    assert codes("Kabupaten/Kota", "Jawa Timur", 9999) == {None}


# --- 7. last_update is kept and a revision is noted ---------------------------------------------------------
def test_last_update_is_kept_and_a_revision_noted(tmp_path, replay, http):
    from extract_testkit import BPS_KEY, Answer, bps_path

    client = bps.BpsClient(f"{replay.base}/v1/api", BPS_KEY, http)
    path = bps_path("list/model/data/lang/ind/domain/7315/var/31/key/{key}")
    replay.routes[path] = Answer(json.dumps({**PINRANG, "last_update": "2024-03-01 08:00:00"}).encode())
    first = bps.land_observations(tmp_path, client, "7315", 31, "run-1")
    assert first["last_update"] == "2024-03-01 08:00:00" and not first["revised"]
    rows = pq.read_table(tmp_path / "bps/observations/domain=7315/var=31/data.parquet").to_pylist()
    assert {r["last_update"] for r in rows} == {"2024-03-01 08:00:00"}
    replay.routes[path] = Answer(json.dumps({**PINRANG, "last_update": "2025-02-11 09:30:00"}).encode())
    second = bps.land_observations(tmp_path, client, "7315", 31, "run-2")
    assert second["revised"] and second["previous_last_update"] == "2024-03-01 08:00:00"


# --- command line ----------------------------------------------------------------------------------------
def test_smartcity_bps_discover_writes_the_map(tmp_path, env, monkeypatch):
    from smartcity.cli import main

    out = tmp_path / "map.csv"
    kab = kab_domains(env, 1)[0]
    result = CliRunner().invoke(main, ["bps", "discover", "--domain", kab, "--domain", "7300", "--out", str(out)])
    assert result.exit_code == 0, result.output
    import csv

    rows = list(csv.DictReader(out.open()))
    assert {"domain", "indicator_code", "var_id", "title", "unit", "score", "status"} <= set(rows[0])
    got = {(r["domain"], r["indicator_code"]): r for r in rows if r["status"] == "matched"}
    assert got[(kab, "POP")]["var_id"] == str(env.sim.bps.var_for(kab, "POP").id)  # its own total population
    assert {r["status"] for r in rows} >= {"matched", "missing"}
    assert env.bps_key not in result.output


def test_a_failed_discovery_falls_back_to_the_last_landed_map(tmp_path, client, env):
    first = bps.variable_maps(tmp_path, "run-1", ["7300"], client)
    env.set_faults({"firewall_403": {"systems": ["bps"]}})
    try:
        again = bps.variable_maps(tmp_path, "run-2", ["7300"], client, max_age=None)
        assert [e.var_id for e in again["7300"]] == [e.var_id for e in first["7300"]]
        from extractors.errors import ExtractError

        with pytest.raises(ExtractError):  # nothing landed to fall back on
            bps.variable_maps(tmp_path, "run-2", ["1100"], client, max_age=None)
    finally:
        env.set_faults()


def test_an_indicators_own_exclusions_come_from_the_rules_seed():
    listing = [{"var_id": 3, "title": "Indeks Kedalaman Kemiskinan (P1)", "unit": "Persen"},
               {"var_id": 4, "title": "Persentase Penduduk Miskin (P0)", "unit": "Persen"}]
    rules = bps_discovery.load_rules()
    se03 = next(r for r in rules if r.indicator_code == "SE03")
    assert se03.exclude is not None and se03.exclude.search("Indeks Kedalaman Kemiskinan")
    got = [e for e in bps_discovery.match_domain("1100", listing, rules, []) if e.indicator_code == "SE03"]
    assert [(e.var_id, e.status) for e in got] == [("4", "matched")]
