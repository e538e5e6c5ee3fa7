"""Portals are platforms plus configuration: the Open Data Jabar API (not CKAN) lands the same package
shape as CKAN, its long-format CSV downloads land every row with its year, and a portal behind a
JavaScript challenge is a recorded state (blocked, with the day last reached), not an error every run."""
from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import requests

from extractors import jabar, portals
from extractors.ckan import PACKAGE_SCHEMA


@pytest.fixture(scope="module")
def sim():
    server_mod = pytest.importorskip("simulator.server")
    with server_mod.run_in_thread(seed=3, scale=514) as running:
        yield running


@pytest.fixture
def env(sim, monkeypatch):
    for key, value in sim.connections.items():
        monkeypatch.setenv(key, value)
    return sim


def test_simulator_speaks_the_open_data_jabar_wire_format(env):
    base = env.connections["AIRFLOW_CONN_SMARTCITY_CKAN_JABAR"]
    params = {"search": "", "sort": '["mdate:desc"]', "limit": 2, "skip": 0,
              "where": '["dataset_class_id=3",["regional_id=1"]]'}
    page = requests.get(f"{base}/api-backend/dataset/list", params=params, timeout=10).json()
    assert list(page) == ["data"] and len(page["data"]) == 2
    item = page["data"][0]
    assert {"id", "name", "nama_skpd", "metadata", "mdate", "regional_id"} <= set(item)
    assert item["regional_id"] == 1 and page["data"][0]["mdate"] >= page["data"][1]["mdate"]
    assert {m["key"] for m in item["metadata"]} >= {"Dimensi Dataset Awal", "Dimensi Dataset Akhir"}
    bogor = requests.get(f"{base}/api-backend/dataset/list", timeout=10, params={
        **params, "limit": 100, "where": '["dataset_class_id=3",["regional_id=8"]]'}).json()["data"]
    assert bogor and all(d["regional_id"] == 8 for d in bogor)
    csv_text = requests.get(base + item["download_url"], timeout=10).text
    assert csv_text.splitlines()[0].startswith(
        "id,kode_provinsi,nama_provinsi,kode_kabupaten_kota,nama_kabupaten_kota,")
    assert csv_text.splitlines()[0].endswith(",satuan,tahun")


def test_pipeline_lands_the_jabar_portal_in_the_package_shape(tmp_path, env):
    summary = portals.extract(tmp_path, "jabar", "run-1")
    assert summary["platform"] == "jabar" and summary["state"] == "active" and summary["row_count"] > 3
    table = pq.read_table(tmp_path / "ckan/packages/portal=jabar/batch=full/data.parquet")
    assert set(PACKAGE_SCHEMA.names) <= set(table.column_names)
    rows = table.to_pylist()
    assert all(r["organization_title"] and r["metadata_modified"] and r["num_resources"] == 1 for r in rows)
    by_office = {r["organization_title"]: r["organization_name"] for r in rows}
    assert by_office["BAPPEDA KABUPATEN BOGOR"] == "kabupaten-bogor"  # a kab/kota dataset names its region
    assert by_office["BADAN PERENCANAAN PEMBANGUNAN DAERAH"] == "bappeda"  # a province office stays itself
    extras = json.loads(rows[0]["extras_json"])
    assert {"Dimensi Dataset Awal", "Dimensi Dataset Akhir"} <= {e["key"] for e in extras}
    again = portals.extract(tmp_path, "jabar", "run-2")  # incremental by mdate: nothing new
    assert again["row_count"] == 0 and again["since"]
    status = portals.last_status(tmp_path, "jabar")
    assert status["state"] == "active" and status["last_reached_on"] == status["checked_on"]


def test_jabar_long_format_csvs_land_every_row_with_its_year(tmp_path, env):
    out = jabar.extract_values(tmp_path / "raw", tmp_path / "q", "jabar", "run-1")
    assert out and all(s["quarantined"] == 0 for s in out), [s.get("reasons") for s in out]
    rows = [r for s in out for r in
            pq.read_table(tmp_path / "raw/spreadsheet/jabar" / f"file={s['file']}" / "data.parquet").to_pylist()]
    world = env.sim.world
    for r in rows:
        truth = world.value(r["indicator_code"], r["region_code"], r["year"])
        if truth != truth:  # a missing value is missing, not 0
            assert r["value"] is None and r["value_missing"]
        else:
            assert r["value"] == pytest.approx(truth, abs=1e-3), r
    assert {r["year"] for r in rows} == set(range(2019, 2025))
    assert {r["indicator_code"] for r in rows} == {"SE03", "SE05", "SS03"}


def test_a_portal_behind_a_javascript_challenge_is_recorded_blocked_not_an_error(tmp_path, env):
    for run in ("run-1", "run-2"):
        summary = portals.extract(tmp_path, "jatimweb", run)
        assert summary["state"] == "blocked" and summary["row_count"] == 0
    status = portals.last_status(tmp_path, "jatimweb")
    assert status["state"] == "blocked" and "JavaScript challenge" in status["reason"]
    assert status["last_reached_on"] is None  # never reached
    assert not (tmp_path / "ckan/packages/portal=jatimweb").exists()


def test_a_portal_marked_gone_in_the_registry_is_not_asked(tmp_path, env, monkeypatch):
    monkeypatch.setattr(portals, "registry", lambda path=None: {
        "jatimweb": portals.PortalEntry("jatimweb", "ckan", "gone", "2024-03-01")})
    before = env.sim.requests["challenge"]
    summary = portals.extract(tmp_path, "jatimweb", "run-1")
    assert summary["state"] == "gone" and summary["last_reached_on"] == "2024-03-01"
    assert env.sim.requests["challenge"] == before


def test_a_portal_that_no_longer_answers_is_recorded_gone(tmp_path, monkeypatch, http):
    monkeypatch.setenv("AIRFLOW_CONN_SMARTCITY_CKAN_OLDPORTAL", "http://127.0.0.1:9/")  # discard port: refused
    monkeypatch.setattr(portals, "registry", lambda path=None: {})
    summary = portals.extract(tmp_path, "oldportal", "run-1", http=http)
    assert summary["state"] == "gone"


def test_a_resource_declared_csv_that_is_a_png_is_flagged_not_parsable(tmp_path, env):
    from extractors import ckan

    client = ckan.CkanClient.from_env("muaraenim")
    akip = next(p for p in client.package_search() if "akip" in p["name"])
    got = client.download_resource(akip["resources"][0], tmp_path)
    assert got["declared_format"] == "csv" and got["kind"] == "png"
    assert got["declared_mismatch"] and got["parsable"] is False


def test_migrated_muaraenim_packages_keep_the_years_their_data_cover(tmp_path, env):
    portals.extract(tmp_path, "muaraenim", "run-1")
    rows = {r["name"]: r for r in pq.read_table(tmp_path / "ckan/packages/portal=muaraenim/batch=full").to_pylist()}
    akip = rows["hasil-evaluasi-akuntabilitas-kinerja-intansi-pemerintah-akip"]
    assert akip["metadata_created"].startswith("2026-")                # the portal's migration day
    assert (akip["data_first_year"], akip["data_last_year"], akip["data_years_from"]) == (2022, 2024, "extras")


def test_the_pipeline_stage_dispatches_by_platform_and_records_states(tmp_path, env, monkeypatch):
    from smartcity import pipeline

    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SMARTCITY_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("SMARTCITY_CKAN_PORTALS", raising=False)
    assert {"jabar", "jatimweb"} <= set(pipeline.ckan_portals())
    landed = pipeline.extract_ckan_portal("jabar", "run-1")
    assert landed["platform"] == "jabar" and landed["state"] == "active" and landed["rows"] > 0
    values = list((tmp_path / "data/raw/spreadsheet/jabar").glob("file=*/data.parquet"))
    assert len(values) == landed["rows"]  # each changed dataset's long-format CSV landed as values
    asked = env.sim.requests["jabar"]
    again = pipeline.extract_ckan_portal("jabar", "run-2")  # nothing changed: nothing downloaded again
    assert again["rows"] == 0 and env.sim.requests["jabar"] == asked + 1
    blocked = pipeline.extract_ckan_portal("jatimweb", "run-1")  # no exception: a recorded state
    assert blocked["state"] == "blocked" and blocked["rows"] == 0


def test_jabar_pages_by_limit_and_skip_until_a_short_page(env):
    base = env.connections["AIRFLOW_CONN_SMARTCITY_CKAN_JABAR"]
    everything = [d["id"] for d in jabar.JabarClient(base).datasets()]
    trace: list = []
    paged = [d["id"] for d in jabar.JabarClient(base, page=4).datasets(trace=trace)]
    assert paged == everything and len(everything) > 8
    assert len(trace) == len(everything) // 4 + 1 and all("skip=" in url for url in trace)
    bogor = list(jabar.JabarClient(base, where=["dataset_class_id=3", ["regional_id=8"]]).datasets())
    assert bogor and {d["regional_id"] for d in bogor} == {8}
