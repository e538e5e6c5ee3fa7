"""The BPS <-> Kemendagri crosswalk the pipeline maps BPS values back with, checked against outside
references rather than against itself (issue 17): the real sig.bps.go.id bridging answer for province
32 (`tests/fixtures/real/sigbps_bridging_kabupaten_parent32.json`), the real Pinrang answer, and the
published facts of the 2022 Papua split."""
from __future__ import annotations

import json
from pathlib import Path

from smartcity_base import reference

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def _kind(name: str) -> str:
    return "Kota" if name.upper().startswith("KOTA ") else "Kabupaten"


def test_crosswalk_agrees_with_the_real_bps_bridging_of_jawa_barat():
    bridging = json.loads((REAL / "sigbps_bridging_kabupaten_parent32.json").read_text())
    crosswalk = reference.bps_to_kemendagri()
    regions = {r["kode_kemendagri"]: r for r in reference.regions()}
    in_province = {r["kode_bps_2018"] for r in reference.regions() if r["kode_provinsi"] == "32"}
    assert {row["kode_bps"] for row in bridging} == in_province and len(bridging) == 27
    for row in bridging:
        code = crosswalk[row["kode_bps"]]
        assert code.replace(".", "") == row["kode_dagri"], row
        region = regions[code]
        assert region["jenis"] == _kind(row["nama_dagri"]), row
        assert reference.normalise_name(region["nama"]) == reference.normalise_name(row["nama_dagri"]), row


def test_crosswalk_places_the_real_pinrang_answer():
    answer = json.loads((REAL / "bps_data_pinrang_population_var31.json").read_text())
    # the answer is Pinrang's own BPS domain (7315): its kab code must be Kabupaten Pinrang in Kemendagri terms
    code = reference.bps_to_kemendagri()["7315"]
    assert {r["kode_kemendagri"]: r["nama"] for r in reference.regions()}[code] == "Kabupaten Pinrang"
    assert answer["status"] == "OK"


def test_crosswalk_knows_where_bps_and_kemendagri_codes_differ():
    crosswalk = reference.bps_to_kemendagri()
    assert len(crosswalk) == 514 and len(set(crosswalk.values())) == 514
    differ = sum(bps != kemendagri.replace(".", "") for bps, kemendagri in crosswalk.items())
    assert differ == 514 - 315  # the reference README: codes agree for only 315 regions
    # Papua: BPS 94xx (2018) is Kemendagri 91.xx before the split; Mimika now sits in Papua Tengah (94.04)
    mimika = next(r for r in reference.regions() if r["nama"] == "Kabupaten Mimika")
    assert mimika["kode_kemendagri"] == "94.04" and mimika["kode_kemendagri_2021"] == "91.09"
    assert crosswalk[mimika["kode_bps_2018"]] == "94.04" and mimika["kode_bps_2018"].startswith("94")


def test_the_simulators_own_bps_list_agrees_with_the_real_bridging():
    """The simulator keeps BPS's list apart from the pipeline's crosswalk seed; its province-32 part is
    what sig.bps.go.id answers."""
    from simulator.bps_codes import bps_list

    bridging = {row["kode_bps"]: row["nama_bps"] for row in
                json.loads((REAL / "sigbps_bridging_kabupaten_parent32.json").read_text())}
    mine = {code: name for code, name in bps_list() if code.startswith("32")}
    assert set(mine) == set(bridging)
    for code, name in mine.items():
        real = bridging[code]
        assert reference.normalise_name(real) == reference.normalise_name(("KOTA " if code[2] == "7" else "") + name)


def test_the_simulator_pairs_regions_with_bps_codes_without_the_crosswalk():
    """Paired by name, the simulator's BPS codes equal the crosswalk's for all 514 regions: a wrong code
    in the crosswalk seed (or a swap of two) now fails here and in every BPS test, instead of being
    served back by a simulator that read the same seed."""
    from simulator.bps_codes import bps_identity

    crosswalk = reference.bps_to_kemendagri()
    paired = {bps_identity(r)[0]: r["kode_kemendagri"] for r in reference.regions()}
    assert paired == crosswalk


def test_a_swapped_crosswalk_code_would_be_caught():
    from simulator.bps_codes import bps_identity

    regions = [dict(r) for r in reference.regions()]
    a, b = (next(r for r in regions if r["kode_kemendagri"] == c) for c in ("16.05", "16.03"))
    a["kode_bps_2018"], b["kode_bps_2018"] = b["kode_bps_2018"], a["kode_bps_2018"]
    wrong = {r["kode_bps_2018"]: r["kode_kemendagri"] for r in regions}
    paired = {bps_identity(r)[0]: r["kode_kemendagri"] for r in regions}
    assert paired != wrong and {k for k in paired if paired[k] != wrong[k]} == {a["kode_bps_2018"], b["kode_bps_2018"]}
