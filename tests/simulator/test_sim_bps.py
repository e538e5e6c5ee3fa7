import html
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from simulator.bps import variables
from simulator.world import YEARS
from smartcity_base import reference

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


def var_id(sim, domain, indicator, year=None, kind="main"):
    return sim.sim.bps.var_for(domain, indicator, year, kind).id


def test_data_envelope_has_the_real_shape(sim, http, url):
    real = json.loads((REAL / "bps_data_pinrang_population_var31.json").read_text())
    body = get(http, url(sim, "list/model/data/lang/ind/domain/7315/var/31"))   # Pinrang numbers population 31
    assert body.keys() == real.keys() | {"last_update"}                       # newer answers carry last_update
    assert body["var"][0].keys() == real["var"][0].keys() | {"decimal"}
    assert body["var"][0]["val"] == 31 and body["var"][0]["label"] == "Jumlah Penduduk"
    assert body["vervar"] == [{"val": 7315, "label": "Pinrang"}]
    assert body["labelvervar"] == real["labelvervar"] == "Kecamatan"
    assert body["turtahun"] == [{"val": 0, "label": "Tahun"}]
    assert [t["val"] for t in body["tahun"]] == [y - 1900 for y in YEARS]
    assert body["last_update"][:4] == "2025"


def test_population_decodes_to_the_world(sim, http, world, url):
    body = get(http, url(sim, "list/model/data/lang/ind/domain/7315/var/31"))
    i = world.region_index(reference.bps_to_kemendagri()["7315"])
    got = decode(body)
    assert got == {(7315, y, 0): int(world.population[i, k]) for k, y in enumerate(YEARS)}
    assert all(isinstance(v, int) for v in body["datacontent"].values())


def test_monthly_table_decodes_by_cross_product_not_prefix(sim, http, world, url):
    tpk = var_id(sim, "3500", "SB02")
    body = get(http, url(sim, f"list/model/data/lang/ind/domain/3500/var/{tpk}"))
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
    jan = f"3510{tpk}0{2024 - 1900}1"
    prefixed = [k for k in body["datacontent"] if k.startswith(jan)]
    assert len(prefixed) >= 2 and body["datacontent"][jan + "3"] != body["datacontent"][jan]


def test_variables_are_numbered_per_domain_with_title_variants_and_decoys(sim, http, url):
    """Real BPS: population is var 31 in Pinrang, 32 in Batang Hari, where 178, 169 and 39 are
    breakdowns; each domain numbers its tables itself and titles vary."""
    def listing(domain):
        first = get(http, url(sim, f"list/model/var/lang/ind/domain/{domain}"))
        pages = first["data"][0]["pages"]
        rest = [get(http, url(sim, f"list/model/var/lang/ind/domain/{domain}/page", p))["data"][1]
                for p in range(2, pages + 1)]
        return first["data"][1] + [x for page in rest for x in page]
    batang_hari = {v["var_id"]: v["title"] for v in listing("1504")}
    assert batang_hari[32] == "Jumlah Penduduk" and 31 not in batang_hari or batang_hari.get(31) != "Jumlah Penduduk"
    assert "Kelompok Umur" in batang_hari[178] and "Kecamatan" in batang_hari[169] and "Kecamatan" in batang_hari[39]
    ids = {d: {v["var_id"] for v in listing(d) if v["title"].startswith("Persentase Penduduk Miskin")} for d in
           ("1100", "3500", "7300", "1504")}
    assert len({frozenset(v) for v in ids.values()}) == 4                     # no shared numbering
    titles = {v["title"] for d in ("1100", "1200", "1300", "3500", "7300", "9400") for v in listing(d)}
    assert {"Jumlah Penduduk", "Banyaknya Penduduk"} & titles
    assert any(t.endswith("(Jiwa)") or "Menurut" in t for t in titles)
    units = {(v["title"], v["unit"]) for v in listing("3500")}
    assert ("Jumlah Penduduk", "Ribu Jiwa") in units                          # a decoy in another unit
    kab_missing = [d for d in ("7315", "1504", "3578", "3571", "1605") if
                   len({v["title"] for v in listing(d)}) < 20]
    assert kab_missing                                                        # some offices lack indicators


def test_population_moves_to_a_new_id_in_province_domains(sim, http, url):
    old, new = var_id(sim, "3500", "POP", 2020), var_id(sim, "3500", "POP", 2021)
    assert old != new
    def years(v):
        return {int(t["th"]) for t in get(http, url(sim, f"list/model/th/lang/ind/domain/3500/var/{v}"))["data"][1]}
    assert max(years(old)) == 2020 and min(years(new)) == 2021


def test_real_turvar_labels_and_period_codes(sim, http, world, url):
    """Poverty: 432/433/434 Perkotaan / Perdesaan / Perkotaan+Perdesaan, semesters 61 Maret / 62
    September (March is the official figure); unemployment 189 Februari / 190 Agustus (August); growth:
    quarters 31-34 and the annual 35. Taking the smallest turvar id or the mean of the periods is wrong."""
    poverty = get(http, url(sim, f"list/model/data/lang/ind/domain/1400/var/{var_id(sim, '1400', 'SE03')}/th/124"))
    assert [(t["val"], t["label"]) for t in poverty["turvar"]] == [(432, "Perkotaan"), (433, "Perdesaan"),
                                                                   (434, "Perkotaan+Perdesaan")]
    assert [(t["val"], t["label"]) for t in poverty["turtahun"]] == [(61, "Maret"), (62, "September")]
    v = world.value("SE03", "14.08", 2024)                                   # Siak, BPS 1405
    def key(tv, tt):
        return f"1405{poverty['var'][0]['val']}{tv}124{tt}"
    c = poverty["datacontent"]
    assert c[key(434, 61)] == pytest.approx(v, abs=0.006)
    assert abs(c[key(432, 61)] - v) > 0.2 and abs((c[key(434, 61)] + c[key(434, 62)]) / 2 - v) > 0.15
    tpt = get(http, url(sim, f"list/model/data/lang/ind/domain/1400/var/{var_id(sim, '1400', 'SE04')}/th/124"))
    assert [(t["val"], t["label"]) for t in tpt["turtahun"]] == [(189, "Februari"), (190, "Agustus")]
    growth = get(http, url(sim, f"list/model/data/lang/ind/domain/1400/var/{var_id(sim, '1400', 'SE01')}/th/124"))
    assert [t["val"] for t in growth["turtahun"]] == [31, 32, 33, 34, 35]


def test_province_domain_uses_bps_codes(sim, http, world, url):
    body = get(http, url(sim, f"list/model/data/lang/ind/domain/1400/var/{var_id(sim, '1400', 'SE05')}/th/124"))
    labels = {int(v["val"]): v["label"] for v in body["vervar"]}
    vals = set(labels)
    assert labels[1405] == "S I A K"                   # Siak: Kemendagri 14.08, BPS 1405, BPS spelling
    kemendagri = {r["kode_kemendagri_nodot"] for r in reference.regions() if r["kode_provinsi"] == "14"}
    assert {str(v) for v in vals} != kemendagri
    riau = {r["kode_bps_2018"] for r in reference.regions() if r["kode_bps_2018"].startswith("14")}
    assert {str(v) for v in vals} == riau


def test_local_vervar_ids_bare_names_and_the_total_row(sim, http, world, url):
    """Some province tables key kab/kota by local ids with bare names (trailing spaces included) and
    add the province total as 9999; the extractor resolves them by label and leaves 9999 out."""
    from extractors import bps

    var = var_id(sim, "3300", "SE05")
    body = get(http, url(sim, f"list/model/data/lang/ind/domain/3300/var/{var}/th/124"))
    vals = [int(v["val"]) for v in body["vervar"]]
    assert vals[:3] == [1, 2, 3] and vals[-1] == 9999
    assert any(v["label"].endswith(" ") for v in body["vervar"])
    rows = list(bps.decode_data(body, "3300"))
    regional = [r for r in rows if r["vervar_id"] != "9999"]
    assert regional and all(r["region_code"] for r in regional)
    assert all(r["region_code"] is None for r in rows if r["vervar_id"] == "9999")
    for r in regional:
        assert r["value"] == pytest.approx(world.value("SE05", r["region_code"], r["year"]), abs=0.006)


def test_the_2022_papua_provinces_have_their_own_domains(sim, http, world, url):
    domains = {d["domain_id"] for d in get(http, url(sim, "list/model/domain/type/prov"))["data"][1]}
    assert len(domains) == 38 and {"9500", "9600", "9700", "9200"} <= domains
    from extractors import bps

    def regions_in(domain, year):
        var = var_id(sim, domain, "SE05")
        body = get(http, url(sim, f"list/model/data/lang/ind/domain/{domain}/var/{var}/th/{year - 1900}"))
        return {r["region_code"] for r in bps.decode_data(body, domain)} - {None}
    assert "94.04" in regions_in("9400", 2020) and "94.04" not in regions_in("9400", 2023)   # Mimika
    assert "94.04" in regions_in("9600", 2023) and not regions_in("9600", 2020)


def test_th_filter_single_multiple_and_empty(sim, http, url):
    base = f"list/model/data/lang/ind/domain/3578/var/{var_id(sim, '3578', 'POP')}"
    assert [t["label"] for t in get(http, url(sim, base + "/th/123"))["tahun"]] == ["2023"]
    assert [t["label"] for t in get(http, url(sim, base + "/th/120;122;124"))["tahun"]] == ["2020", "2022", "2024"]
    empty = get(http, url(sim, base + "/th/99"))
    assert empty["data-availability"] == "available" and empty["tahun"] == [] and empty["datacontent"] == []


def test_sparse_cells_are_absent(sim, http, world, url):
    code = "SE05"
    values = world.series(code)
    for i in np.flatnonzero(np.isnan(values).any(axis=1)):
        bps = world.regions[int(i)]["kode_bps_2018"]
        var = sim.sim.bps.var_for(bps, code)
        if var is not None:
            break
    body = get(http, url(sim, f"list/model/data/lang/ind/domain/{bps}/var/{var.id}"))
    assert len(body["datacontent"]) == int((~np.isnan(values[i])).sum()) < len(YEARS)


def test_not_available_and_errors(sim, http, world, url):
    unpublished = next(r["kode_bps_2018"] for i, r in enumerate(world.regions)
                       if np.isnan(world.monthly["SB02"][i]).all() and sim.sim.bps.var_for(r["kode_bps_2018"], "SB02"))
    na = get(http, url(sim, f"list/model/data/lang/ind/domain/{unpublished}/var/{var_id(sim, unpublished, 'SB02')}"))
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
    assert len(ids) == info["total"] == len(set(ids)) > len(variables())    # the catalogue plus decoys


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
    assert "INDONESIA" in labels and "JAWA TIMUR" in labels and len(labels) == 39
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
