"""Integration with the project's simulator (simulator.server.run_in_thread): every source end to end,
and every fault knob. Skipped when the simulator package is not importable."""
from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from extractors import bps, ckan, regency
from extractors.errors import ExtractError, FirewallBlockedError, HTMLResponseError


@pytest.fixture
def env(simulator, monkeypatch):
    for key, value in simulator.connections.items():
        monkeypatch.setenv(key, value)
    simulator.set_faults()
    yield simulator
    simulator.set_faults()


def read(path):
    return pq.read_table(path / "data.parquet").to_pylist()


def test_bps_national_pull_maps_regions(tmp_path, env, http):
    """Each province domain numbers its tables itself: the pull discovers them (no fixed var ids)."""
    client = bps.BpsClient.from_env(http=http)
    summaries = bps.extract_national(tmp_path, "run-1", client=client, years=[2023, 2024])
    landed = [s for s in summaries if s.get("row_count")]
    assert len({s["partition"].split("/")[0] for s in landed}) > 1
    rows = [r for s in landed for r in read(tmp_path / "bps/observations" / s["partition"])]
    kab = [r for r in rows if r["vervar_id"] != "9999"]
    assert kab and all(r["region_code"] and r["indicator_code"] for r in kab)  # BPS vervar -> Kemendagri
    # BPS and Kemendagri codes differ for many regions: the mapping must not be the identity
    assert any(r["region_code"].replace(".", "") != r["vervar_id"] for r in kab)
    manifest_text = "".join(p.read_text() for p in tmp_path.rglob("_manifest.json"))
    assert env.bps_key not in manifest_text


def test_bps_monthly_var_and_statictable(tmp_path, env, http):
    client = bps.BpsClient.from_env(http=http)
    tpk = env.sim.bps.var_for("3500", "SB02").id  # a monthly var (TPK), numbered by the domain
    rows = list(bps.decode_data(client.data("3500", tpk), "3500"))
    annual = [r for r in rows if r["turtahun_id"] == "13"]
    assert annual and all(r["month"] is None for r in annual)
    assert len([r for r in rows if r["month"] == 1]) == len(annual)
    tables = list(client.list_all("statictable", "3500"))
    manifest = bps.land_statictable(tmp_path, client, "3500", tables[0]["table_id"], "run-1")
    assert manifest["row_count"] > 0 and manifest["columns"][0] == "Kabupaten/Kota"
    assert all(" / " in c for c in manifest["columns"][1:])  # a path through the header band
    assert manifest["header_rows"] == 2 and len(manifest["titles"]) == 2 and manifest["notes"][0].startswith("Sumber")
    long = pq.read_table(tmp_path / f"bps/statictables_long/domain=3500/table={tables[0]['table_id']}").to_pylist()
    assert len(long) == manifest["row_count"] * (len(manifest["columns"]) - 1)


def test_ckan_portals_incremental(tmp_path, env, http):
    for portal in ("nasional", "jatim", "muaraenim"):
        client = ckan.CkanClient.from_env(portal, http=http)
        first = ckan.extract_portal(tmp_path, portal, "run-1", client=client)
        second = ckan.extract_portal(tmp_path, portal, "run-2", client=client)
        assert first["row_count"] > 0 and second["since"] == first["cursor"] and second["row_count"] == 0
        rows = read(tmp_path / f"ckan/packages/portal={portal}/batch=full")
        assert len({r["package_id"] for r in rows}) == len(rows) == first["row_count"]


def test_ckan_datastore_and_sniffed_download(tmp_path, env, http):
    client = ckan.CkanClient.from_env("muaraenim", http=http)
    pkgs = list(client.package_search())
    table = next(r for p in pkgs if p["name"].startswith("indikator-kinerja") for r in p["resources"]
                 if r.get("datastore_active"))
    summary = ckan.extract_datastore(tmp_path, "muaraenim", table["id"], "run-1", client=client, limit=2)
    assert summary["row_count"] > 2
    png = next(r for p in pkgs for r in p["resources"] if r["mimetype"] == "image/png")
    out = client.download_resource(png, tmp_path / "files")
    assert out["kind"] == "png" and out["declared_mismatch"]


def test_regency_three_paging_styles_and_increment(tmp_path, env, http):
    client = regency.RegencyClient.from_env("monev", http=http)
    first = {s["dataset"]: s for s in regency.extract_system(tmp_path, "monev", "run-1", client=client)}
    assert set(first) == {"programs", "quickwins", "budget_realisation", "daftar_peserta"}
    for name, summary in first.items():
        rows = read(tmp_path / f"regency/{name}/system=monev")
        assert len(rows) == summary["row_count"] > 0 and len({r["id"] for r in rows}) == len(rows)
    second = {s["dataset"]: s for s in regency.extract_system(tmp_path, "monev", "run-2", client=client)}
    for name in first:  # only what changed since the cursor is fetched; the partition keeps everything
        assert second[name]["fetched"] <= 2 and second[name]["row_count"] == first[name]["row_count"]
    assert env.regency_token not in "".join(p.read_text() for p in tmp_path.rglob("_manifest.json"))


@pytest.fixture
def serial_http():
    """One request at a time: the simulator's faults hit every n-th request, so the sequence is exact."""
    from extractors.http import HttpClient, make_retry
    return HttpClient(max_per_host=1, timeout=(2, 5), retry=make_retry(total=4, backoff_factor=0.01))


@pytest.mark.parametrize("fault", ["rate_limit", "server_error_burst", "truncated_json", "duplicate_page"])
def test_transient_faults_are_absorbed(tmp_path, env, serial_http, fault):
    knobs = {fault: {"every": 3, "retry_after": 1} if fault == "rate_limit" else {}}
    client = ckan.CkanClient.from_env("jatim", http=serial_http)
    client.row_cap = 2  # several pages, so paging faults meet some of them
    reference = ckan.extract_portal(tmp_path / "ref", "jatim", "run-1", client=client)
    env.set_faults(knobs)
    summary = ckan.extract_portal(tmp_path, "jatim", "run-1", client=client)
    env.set_faults()
    assert summary["row_count"] == reference["row_count"]
    rows = read(tmp_path / "ckan/packages/portal=jatim/batch=full")
    assert len({r["package_id"] for r in rows}) == len(rows)
    reg = regency.RegencyClient.from_env("monev", http=serial_http)
    ref = regency.extract_system(tmp_path / "ref", "monev", "run-1", client=reg, entities=["programs"], full=True)
    env.set_faults(knobs)
    out = regency.extract_system(tmp_path, "monev", "run-1", client=reg, entities=["programs"], full=True)
    env.set_faults()
    assert out[0]["row_count"] == ref[0]["row_count"]
    rows = read(tmp_path / "regency/programs/system=monev")
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("fault,error", [("html_200", HTMLResponseError), ("firewall_403", FirewallBlockedError)])
def test_html_faults_are_clear_errors(tmp_path, env, http, fault, error):
    env.set_faults([fault])
    with pytest.raises(error) as info:
        bps.land_observations(tmp_path, bps.BpsClient.from_env(http=http), "3500",
                              env.sim.bps.var_for("3500", "SE05").id, "run-1")
    assert f"127.0.0.1:{env.port}" in str(info.value) and env.bps_key not in str(info.value)


def test_schema_drift_fails_loudly(tmp_path, env, http):
    env.set_faults(["schema_drift"])
    with pytest.raises(ExtractError, match="vervar"):
        bps.land_observations(tmp_path, bps.BpsClient.from_env(http=http), "3500",
                              env.sim.bps.var_for("3500", "SE05").id, "run-1")
    with pytest.raises(ExtractError, match="updated_at"):
        regency.extract_system(tmp_path, "monev", "run-1", client=regency.RegencyClient.from_env("monev", http=http),
                               entities=["programs"])


def test_decimal_comma_values(tmp_path, env, http):
    client = bps.BpsClient.from_env(http=http)
    pop = env.sim.bps.var_for("3500", "POP", 2024).id
    def cells():
        return {(r["vervar_id"], r["year"], r["turvar_id"]): r["value"]
                for r in bps.decode_data(client.data("3500", pop), "3500")}
    plain = cells()
    env.set_faults(["decimal_comma"])
    comma = cells()
    assert comma == plain and len(plain) > 3  # "1.234.567" read as 1234567, not 1.234


def test_simulator_drops_land_and_exactly_the_planted_rows_are_quarantined(tmp_path):
    drops = pytest.importorskip("simulator.drops")
    from extractors import spreadsheet

    info = drops.write_drops(tmp_path / "drop", seed=2, scale=40, bad_rows_fraction=0.05)
    summaries = spreadsheet.extract_drop_folder(tmp_path / "drop", tmp_path / "raw", tmp_path / "q", "run-1")
    assert len(summaries) == len(info["files"]) and all(s["status"] == "success" for s in summaries)
    quarantined = {(p.name.removesuffix(".parquet"), r["source_row"])
                   for p in (tmp_path / "q").rglob("*.parquet") for r in pq.read_table(p).to_pylist()
                   if r.get("sheet") in ("Data", "Rekap") or p.name.endswith(".csv.parquet")}
    planted_files = {b["file"] for b in info["planted_bad_rows"]}
    assert {f for f, _ in quarantined} == planted_files
    assert len(quarantined) == len(info["planted_bad_rows"])  # one quarantined source row per planted row
    landed = [r for p in (tmp_path / "raw").rglob("data.parquet") for r in pq.read_table(p).to_pylist()]
    assert {r["indicator_code"] for r in landed} >= {"PG01", "PG02", "PG03", "SN03", "SL02"}
    assert all(r["region_code"] and r["year"] for r in landed)
