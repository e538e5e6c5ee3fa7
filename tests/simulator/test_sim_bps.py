import html
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from simulator.bps import variables
from simulator.world import YEARS
from smartcity import reference

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def get(http, url):
    r = http.get(url, timeout=10)
    assert r.status_code == 200
    return r.json()


def decode(body):
    """The correct decoder: keys built from the cross product of the metadata arrays."""
    out = {}
    content = body["datacontent"] or {}
    for vv, var, tv, th, tt in itertools.product(body["vervar"], body["var"], body["turvar"], body["tahun"],
                                                  body["turtahun"]):
        key = f"{vv['val']}{var['val']}{tv['val']}{th['val']}{tt['val']}"
        if key in content:
            out[(int(vv["val"]), int(th["label"]), int(tt["val"]))] = content[key]
    return out


def test_data_envelope_has_the_real_shape(sim, http, url):
    real = json.loads((REAL / "bps_data_pinrang_population_var31.json").read_text())
    body = get(http, url(sim, "list/model/data/lang/ind/domain/7315/var/31"))
    assert body.keys() == real.keys()
    assert body["var"][0].keys() == real["var"][0].keys()
    assert body["var"][0]["val"] == 31 and body["var"][0]["label"] == "Jumlah Penduduk"
    assert body["vervar"] == [{"val": 7315, "label": "Pinrang"}]
    assert body["turtahun"] == [{"val": 0, "label": "Tahun"}]
    assert [t["val"] for t in body["tahun"]] == [y - 1900 for y in YEARS]


def test_population_decodes_to_the_world(sim, http, world, url):
    body = get(http, url(sim, "list/model/data/lang/ind/domain/7315/var/31"))
    i = world.region_index(reference.bps_to_kemendagri()["7315"])
    got = decode(body)
    assert got == {(7315, y, 0): int(world.population[i, k]) for k, y in enumerate(YEARS)}
    assert all(isinstance(v, int) for v in body["datacontent"].values())


def test_monthly_table_decodes_by_cross_product_not_prefix(sim, http, world, url):
    body = get(http, url(sim, "list/model/data/lang/ind/domain/3500/var/122"))
    assert [t["val"] for t in body["turtahun"]] == list(range(1, 14))
    assert body["turtahun"][-1]["label"] == "Tahunan"
    got = decode(body)
    to_kemendagri = reference.bps_to_kemendagri()
    monthly = world.monthly["SB02"]
    checked = 0
    for (vv, year, tt), value in got.items():
        i, y = world.region_index(to_kemendagri[str(vv)]), YEARS.index(year)
        expected = world.series("SB02")[i, y] if tt == 13 else monthly[i, y, tt - 1]
        assert value == pytest.approx(expected)
        checked += 1
    assert checked > 500
    # the trap: the January key is a prefix of the annual key, so a prefix matcher is wrong
    jan = f"35101220{2024 - 1900}1"
    prefixed = [k for k in body["datacontent"] if k.startswith(jan)]
    assert len(prefixed) >= 2 and body["datacontent"][jan + "3"] != body["datacontent"][jan]


def test_province_domain_uses_bps_codes(sim, http, world, url):
    body = get(http, url(sim, "list/model/data/lang/ind/domain/1400/var/192/th/124"))
    labels = {int(v["val"]): v["label"] for v in body["vervar"]}
    vals = set(labels)
    assert labels[1405] == "S I A K"                   # Siak: Kemendagri 14.08, BPS 1405, BPS spelling
    kemendagri = {r["kode_kemendagri_nodot"] for r in reference.regions() if r["kode_provinsi"] == "14"}
    assert {str(v) for v in vals} != kemendagri
    assert all(isinstance(v["val"], str) for v in body["vervar"])   # this table gives string vals
    riau = {r["kode_bps_2018"] for r in reference.regions() if r["kode_bps_2018"].startswith("14")}
    assert {str(v) for v in vals} == riau


def test_new_papua_provinces_sit_under_old_bps_domain(sim, http, url):
    body = get(http, url(sim, "list/model/vervar/lang/ind/domain/9400/var/31"))
    pages = body["data"][0]["pages"]
    items = body["data"][1] + [x for p in range(2, pages + 1) for x in
                               get(http, url(sim, "list/model/vervar/lang/ind/domain/9400/var/31/page", p))["data"][1]]
    codes = {it["kode_ver_id"] for it in items}
    assert {9412, 9401, 9471} <= codes               # Mimika (94.04), Merauke (93.01), Kota Jayapura
    domains = get(http, url(sim, "list/model/domain/type/prov"))["data"][1]
    assert len(domains) == 34 and "9300" not in {d["domain_id"] for d in domains}


def test_th_filter_single_multiple_and_empty(sim, http, url):
    base = "list/model/data/lang/ind/domain/3578/var/413"
    assert [t["label"] for t in get(http, url(sim, base + "/th/123"))["tahun"]] == ["2023"]
    assert [t["label"] for t in get(http, url(sim, base + "/th/120;122;124"))["tahun"]] == ["2020", "2022", "2024"]
    empty = get(http, url(sim, base + "/th/99"))
    assert empty["data-availability"] == "available" and empty["tahun"] == [] and empty["datacontent"] == []


def test_sparse_cells_are_absent(sim, http, world, url):
    code = "SE05"
    values = world.series(code)
    i = int(np.flatnonzero(np.isnan(values).any(axis=1))[0])
    bps = world.regions[i]["kode_bps_2018"]
    body = get(http, url(sim, f"list/model/data/lang/ind/domain/{bps}/var/413"))
    assert len(body["datacontent"]) == int((~np.isnan(values[i])).sum()) < len(YEARS)


def test_not_available_and_errors(sim, http, world, url):
    unpublished = next(r["kode_bps_2018"] for i, r in enumerate(world.regions)
                       if np.isnan(world.monthly["SB02"][i]).all())
    na = get(http, url(sim, f"list/model/data/lang/ind/domain/{unpublished}/var/122"))
    assert na == {"status": "OK", "data-availability": "list-not-available", "data": ""}
    assert get(http, url(sim, "list/model/data/lang/ind/domain/3500/var/9999"))["data"] == ""
    bad = get(http, url(sim, "list/model/var/lang/ind/domain/3500", key="not-the-key"))
    assert bad["status"] == "Error" and bad["message"]
    missing = get(http, f"{sim.base_url}/bps/v1/api/list/model/var/lang/ind/domain/3500/")
    assert missing["status"] == "Error"


def test_lists_are_paged(sim, http, url):
    first = get(http, url(sim, "list/model/var/lang/ind/domain/3500"))
    info, items = first["data"]
    assert info.keys() == {"page", "pages", "per_page", "count", "total"}
    rest = [x for p in range(2, info["pages"] + 1)
            for x in get(http, url(sim, "list/model/var/lang/ind/domain/3500/page", p))["data"][1]]
    ids = [v["var_id"] for v in items + rest]
    assert len(ids) == info["total"] == len(set(ids)) == len(variables())


def test_statictable_list_and_view(sim, http, world, url):
    real = json.loads((REAL / "bps_statictable_list_pinrang.json").read_text())
    listing = get(http, url(sim, "list/model/statictable/lang/ind/domain/3500"))
    assert listing["data"][1][0].keys() == real["data"][1][0].keys()
    tid = next(t["table_id"] for t in listing["data"][1] if "Penduduk Miskin" in t["title"])
    view = get(http, url(sim, f"view/model/statictable/lang/ind/domain/3500/id/{tid}"))
    escaped = view["data"]["table"]
    assert "&lt;table" in escaped
    table = html.unescape(escaped)
    assert "rowspan=2" in table and "colspan=3" in table
    i = world.region_index("35.79")                   # Kota Batu, 2024
    from simulator.textfmt import id_number
    assert f">{id_number(world.value('SE03', '35.79', 2024))}<" in table
    assert world.regions[i]["nama_bps_2018"].title() in table


def test_missing_static_cells_are_dashes(sim, http, world, url):
    # find a province table with a missing cell in the last three years
    values = world.series("SE04")
    i = next(int(i) for i in np.flatnonzero(np.isnan(values[:, -3:]).any(axis=1)))
    dom = world.regions[i]["kode_bps_2018"][:2] + "00"
    listing = get(http, url(sim, f"list/model/statictable/lang/ind/domain/{dom}"))
    pages = listing["data"][0]["pages"]
    tables = listing["data"][1]
    for p in range(2, pages + 1):
        tables += get(http, url(sim, f"list/model/statictable/lang/ind/domain/{dom}/page", p))["data"][1]
    tid = next(t["table_id"] for t in tables if "Pengangguran" in t["title"])
    view = get(http, url(sim, f"view/model/statictable/lang/ind/domain/{dom}/id/{tid}"))
    table = html.unescape(view["data"]["table"])
    assert ">-<" in table


def test_national_domain_has_provinces_and_indonesia(sim, http, world, url):
    body = get(http, url(sim, "list/model/data/lang/ind/domain/0000/var/31/th/124"))
    labels = {v["label"] for v in body["vervar"]}
    assert "INDONESIA" in labels and "JAWA TIMUR" in labels and len(labels) == 35
    total = body["datacontent"]["99993101240"]
    assert total == int(world.population[:, -1].sum())


def test_seed_covers_every_bps_catalogue_indicator():
    rows = variables()
    mapped = {r["indicator_code"] for r in rows}
    bps_sourced = {r["kode"] for r in reference.indicators() if "BPS" in r["sumber_sistem"]}
    assert bps_sourced | {"POP"} == mapped
    assert {r["period"] for r in rows} == {"annual", "monthly"}
    assert len({r["var_id"] for r in rows}) == len(rows)
    assert next(r for r in rows if r["indicator_code"] == "POP")["var_id"] == "31"
