import csv
import io
import json
from pathlib import Path

import ckanapi
import openpyxl
import pytest

from simulator.textfmt import id_number, slug
from simulator.world import YEARS

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


@pytest.fixture(scope="session")
def nasional(sim):
    return ckanapi.RemoteCKAN(sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_NASIONAL"])


@pytest.fixture(scope="session")
def jatim(sim):
    return ckanapi.RemoteCKAN(sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_JATIM"])


def test_ckanapi_package_search_counts_follow_sg06(nasional, world):
    code = "35.79"
    i = world.region_index(code)
    org = slug(world.regions[i]["nama"])
    res = nasional.action.package_search(fq=f"organization:{org}", rows=1000)
    assert res["count"] == len(res["results"]) == int(world.series("SG06")[i, -1])
    assert {p["organization"]["title"] for p in res["results"]} == {"Kota Batu"}
    # datasets created by the end of each year = the open-dataset indicator of that year
    for y, year in enumerate(YEARS):
        upto = nasional.action.package_search(fq=f"organization:{org} metadata_created:[* TO {year}-12-31T23:59:59Z]",
                                              rows=0)
        assert upto["count"] == int(world.series("SG06")[i, y])


def test_package_shape_matches_the_real_portal(nasional, sim):
    real = json.loads((REAL / "ckan_muaraenim_package_search_q_akip.json").read_text())
    mine = ckanapi.RemoteCKAN(sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_MUARAENIM"])
    res = mine.action.package_search(q="akip")
    assert res.keys() == real["result"].keys() and res["count"] == 1
    pkg, ref = res["results"][0], real["result"]["results"][0]
    assert set(ref) <= set(pkg)
    assert set(ref["resources"][0]) <= set(pkg["resources"][0])
    assert pkg["resources"][0]["format"] == "CSV" and pkg["resources"][0]["mimetype"] == "image/png"
    orgs = mine.action.organization_list(all_fields=True)
    real_org = json.loads((REAL / "ckan_muaraenim_organization_list_all_fields.json").read_text())["result"][0]
    assert orgs[0].keys() == real_org.keys()


def test_rows_cap_and_paging_cover_everything(nasional, world, sim):
    total = int(world.series("SG06")[:, -1].sum())
    first = nasional.action.package_search(rows=5000, sort="metadata_modified asc")
    assert first["count"] == total and len(first["results"]) == 1000
    seen = set()
    for start in range(0, total, 1000):
        page = nasional.action.package_search(rows=1000, start=start, sort="name asc")
        seen.update(p["id"] for p in page["results"])
    assert len(seen) == total


def test_incremental_filter_on_metadata_modified(nasional):
    since = "2024-06-01T00:00:00Z"
    res = nasional.action.package_search(fq=f"metadata_modified:[{since} TO *]", rows=1000,
                                         sort="metadata_modified asc")
    assert 0 < res["count"] < 25000
    stamps = [p["metadata_modified"] for p in res["results"]]
    assert stamps == sorted(stamps) and stamps[0] >= "2024-06-01T00:00:00"
    assert max(stamps) < "2025-01-31"                     # simulated clock, not wall time


def test_organization_list(nasional, world, sim):
    names = nasional.action.organization_list()
    assert len(names) == len(sim.sim.served) and "kota-batu" in names
    full = nasional.action.organization_list(all_fields=True)
    assert len(full) == 25                                  # CKAN's all_fields cap
    more = nasional.action.organization_list(all_fields=True, limit=25, offset=25)
    assert {o["name"] for o in full}.isdisjoint(o["name"] for o in more)
    batu = nasional.action.organization_show(id="kota-batu")
    assert batu["title"] == "Kota Batu"
    assert batu["package_count"] == int(world.series("SG06")[world.region_index("35.79"), -1])


def test_errors_have_ckan_envelope(nasional, sim, http):
    with pytest.raises(ckanapi.NotFound):
        nasional.action.package_show(id="does-not-exist")
    r = http.get(f"{sim.base_url}/ckan/nasional/api/3/action/package_show?id=nope")
    assert r.status_code == 404
    body = r.json()
    assert body["success"] is False and body["error"]["__type"] == "Not Found Error" and body["error"]["message"]
    r = http.get(f"{sim.base_url}/ckan/nasional/api/3/action/no_such_action")
    assert r.status_code == 400 and r.json()["success"] is False
    r = http.get(f"{sim.base_url}/ckan/nasional/api/3/action/package_search?rows=abc")
    assert r.status_code == 409 and r.json()["error"]["__type"] == "Validation Error"


def test_package_show_by_name_and_id(nasional):
    pkg = nasional.action.package_search(rows=1)["results"][0]
    assert nasional.action.package_show(id=pkg["name"])["id"] == pkg["id"]
    assert nasional.action.package_show(id=pkg["id"])["name"] == pkg["name"]


def test_datastore_values_are_indonesian_text(jatim, world):
    pkg = next(p for p in jatim.action.package_search(rows=100)["results"] if "penduduk miskin" in p["title"].lower())
    rid = next(r["id"] for r in pkg["resources"] if r["datastore_active"])
    res = jatim.action.datastore_search(resource_id=rid, limit=1000)
    assert set(res) >= {"resource_id", "fields", "records", "total", "total_was_estimated", "limit", "_links"}
    assert [f["id"] for f in res["fields"]][:3] == ["_id", "No", "Kabupaten/Kota"]
    batu = next(r for r in res["records"] if r["Kabupaten/Kota"] == "Kota Batu")
    assert batu["2023"] == id_number(world.value("SE03", "35.79", 2023))
    assert res["total"] == len(res["records"]) == sum(
        1 for i in range(len(world.regions)) if world.regions[i]["kode_provinsi"] == "35")


def test_datastore_paging_and_links_next_on_last_page(jatim, sim, http):
    big = jatim.action.package_search(q="log layanan")["results"][0]
    rid = big["resources"][0]["id"]
    last = jatim.action.datastore_search(resource_id=rid, limit=100, offset=999_950)
    assert last["total"] == 1_000_000 and len(last["records"]) == 50
    assert "next" in last["_links"] and "offset=1000050" in last["_links"]["next"]
    beyond = jatim.action.datastore_search(resource_id=rid, limit=100, offset=1_000_000)
    assert beyond["records"] == [] and "next" in beyond["_links"]
    capped = jatim.action.datastore_search(resource_id=rid, limit=100_000)
    assert capped["limit"] == 32000 and len(capped["records"]) == 32000
    a = jatim.action.datastore_search(resource_id=rid, limit=10, offset=0)["records"]
    b = jatim.action.datastore_search(resource_id=rid, limit=10, offset=5)["records"]
    assert a[5:] == b[:5]


def test_downloads_csv_xlsx_and_lying_formats(sim, http, nasional, jatim):
    pkg = next(p for p in jatim.action.package_search(rows=100)["results"] if "penduduk miskin" in p["title"].lower())
    by_format = {r["format"]: r for r in pkg["resources"]}
    text = http.get(by_format["CSV"]["url"]).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["No", "Kabupaten/Kota"] and len(rows) == 39
    wb = openpyxl.load_workbook(io.BytesIO(http.get(by_format["XLSX"]["url"]).content))
    ws = wb.active
    assert any(str(m) == "C3:L3" for m in ws.merged_cells.ranges)      # 'Tahun' over the year columns
    # nasional: some resources say CSV but are XLSX or PNG
    found = {"xlsx": 0, "png": 0}
    for p in nasional.action.package_search(rows=300, sort="name asc")["results"]:
        r = p["resources"][0]
        if r["format"] != "CSV" or r["url"].endswith(".csv"):
            continue
        body = http.get(r["url"]).content
        found["xlsx" if body[:2] == b"PK" else "png" if body[:4] == b"\x89PNG" else "other"] = 1
    assert found == {"xlsx": 1, "png": 1}
    r = http.get(f"{sim.base_url}/ckan/jatim/dataset/x/resource/nope/download/x.csv")
    assert r.status_code == 404


def test_big_download_streams(jatim, http):
    big = jatim.action.package_search(q="log layanan")["results"][0]
    with http.get(big["resources"][0]["url"], stream=True) as r:
        assert r.headers.get("Transfer-Encoding") == "chunked"
        lines = 0
        for chunk in r.iter_content(1 << 20):
            lines += chunk.count(b"\n")
    assert lines == 1_000_001
