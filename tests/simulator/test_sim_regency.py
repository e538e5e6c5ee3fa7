import requests


def _get(sim, path, **params):
    return requests.get(f"{sim.base_url}/regency/monev/api/v1/{path}", params=params,
                        headers={"Authorization": f"Bearer {sim.regency_token}"}, timeout=10)


def test_token_required(small):
    r = requests.get(f"{small.base_url}/regency/monev/api/v1/programs", timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = requests.get(f"{small.base_url}/regency/monev/api/v1/programs", headers={"Authorization": "Bearer x"})
    assert r.status_code == 401
    assert small.regency_token in small.connections["AIRFLOW_CONN_SMARTCITY_REGENCY_MONEV"]


def test_programs_page_numbers(small):
    first = _get(small, "programs", per_page=100).json()
    meta = first["meta"]
    rows = first["data"] + [x for p in range(2, meta["total_pages"] + 1)
                            for x in _get(small, "programs", page=p, per_page=100).json()["data"]]
    assert len(rows) == meta["total"] == len({r["id"] for r in rows})
    assert set(rows[0]) == {"id", "region", "dimension", "program_name", "status", "start_year", "budget_idr",
                            "realisation_idr", "updated_at"}
    participants = {p["region_code"] for p in small.sim.truth["participants"]}
    names = {p["name"] for p in small.sim.truth["participants"]}
    assert {r["region"] for r in rows} <= participants | names
    assert any(r["region"] in names for r in rows) and any(r["region"] in participants for r in rows)


def test_quickwins_cursor(small):
    items, cursor = [], None
    while True:
        body = _get(small, "quickwins", limit=37, **({"cursor": cursor} if cursor else {})).json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(items) == len({i["id"] for i in items}) > 100
    assert _get(small, "quickwins", cursor="garbage!").status_code == 400


def test_budget_link_header_and_incremental(small):
    url, rows = f"{small.base_url}/regency/monev/api/v1/budget_realisation?per_page=200", []
    while url:
        r = requests.get(url, headers={"Authorization": f"Bearer {small.regency_token}"}, timeout=10)
        rows += r.json()
        url = r.links.get("next", {}).get("url")
    assert len(rows) == int(r.headers["X-Total-Count"]) == len({x["id"] for x in rows})
    stamps = [x["updated_at"] for x in rows]
    assert stamps == sorted(stamps)
    since = stamps[len(stamps) // 2]
    newer = _get(small, "budget_realisation", per_page=200, updated_since=since).json()
    assert newer and all(x["updated_at"] >= since for x in newer)
    assert len(newer) <= len(rows) - len(stamps) // 2 + 200


def test_ministry_participant_list_names_every_participant(small):
    first = _get(small, "daftar_peserta", per_page=200).json()
    meta = first["meta"]
    rows = first["data"] + [x for p in range(2, meta["total_pages"] + 1)
                            for x in _get(small, "daftar_peserta", page=p, per_page=200).json()["data"]]
    world = small.sim.world
    assert len(rows) == meta["total"] == len(world.listed) == len({r["id"] for r in rows})
    # the full list, whatever the served scale: hidden participants (the public list does not name) too
    listed_codes = {r["region_code"] for r in rows}
    truth = {p["region_code"] for p in small.sim.truth["participants"]}
    assert listed_codes == truth
    assert any(not p["named_in_public_list"] for p in small.sim.truth["participants"])


def test_program_data_is_internally_consistent(small):
    import statistics

    reg, world = small.sim.regency, small.sim.world
    programs, quickwins = reg.programs, reg.quickwins
    pct = {s: [100 * p["realisation_idr"] / p["budget_idr"] for p in programs if p["status"] == s]
           for s in ("selesai", "berjalan", "tertunda", "perencanaan")}
    assert min(pct["selesai"]) >= 85 and max(pct["perencanaan"]) == 0
    assert statistics.median(pct["tertunda"]) < statistics.median(pct["berjalan"])
    per_region = {}
    for q in quickwins:
        per_region.setdefault(q["region_code"], []).append((q["name"], q["dimension"]))
    for items in per_region.values():
        assert len({n for n, _ in items}) == len(items)          # no name twice in a region
    assert len({(n, d) for items in per_region.values() for n, d in items}) == len({n for items in per_region.values()
                                                                                    for n, _ in items})
    # a region's masterplan costs a few yearly smart city budgets (PG06), not fifty
    pg06 = world.series("PG06")
    by_code = {r["kode_kemendagri"]: i for i, r in enumerate(world.regions)}
    by_name = {r["nama"]: i for i, r in enumerate(world.regions)}
    totals = {}
    for p in programs:
        i = by_code.get(p["region"], by_name.get(p["region"]))
        totals[i] = totals.get(i, 0) + p["budget_idr"]
    import numpy as np
    ratios = [total / np.nanmedian(pg06[i]) for i, total in totals.items() if np.isfinite(np.nanmedian(pg06[i]))]
    assert max(ratios) <= 10, max(ratios)
