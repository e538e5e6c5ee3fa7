"""The simulator's own BPS view of the regions. BPS's 2018 list of kab/kota (code and BPS name) is kept
here in `bps_wilayah_2018.csv` (BPS period 2018 semester 1; tests check it against the real sig.bps
bridging answer) and paired with the world's Kemendagri regions by name, never through the pipeline's
crosswalk seed: a wrong code in that seed then fails the tests instead of being served back to it."""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from smartcity_base.reference import normalise_name

BPS_LIST = Path(__file__).with_name("bps_wilayah_2018.csv")
# Renamed since BPS's 2018 list (Kemendagri name now -> BPS name then), from the renaming laws
# (and the one whose 2018 BPS name drops "Kepulauan")
RENAMED_SINCE_2018 = {"toba": "tobasamosir", "pasangkayu": "mamujuutara",
                      "kepulauantanimbar": "malukutenggarabarat", "mahakamulu": "mahakamhulu",
                      "kepulauansiautagulandangbiaro": "siautagulandangbiaro"}


def _kemendagri_key(name: str) -> str:
    text = normalise_name(name)       # drops the Kabupaten / Kota prefix
    text = re.sub(r"^administrasi\s+", "", text)
    text = re.sub(r"^kep\s+", "kepulauan ", text)
    return text.replace(" ", "")


def _bps_key(name: str) -> str:
    # BPS names carry no prefix ("KOTA BARU" is a kabupaten's name): only case, spacing and punctuation
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=None)
def bps_list() -> tuple[tuple[str, str], ...]:
    with BPS_LIST.open(encoding="utf-8") as f:
        return tuple((r["kode_bps"], r["nama_bps"]) for r in csv.DictReader(f))


@lru_cache(maxsize=None)
def _by_name() -> dict[tuple[str, str], tuple[str, str]]:
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for code, name in bps_list():
        kind = "Kota" if int(code[2:]) >= 70 else "Kabupaten"   # BPS numbers kota from 71
        key = (_bps_key(name), kind)
        if key in out:
            raise ValueError(f"two BPS regions named {name!r} ({kind})")
        out[key] = (code, name)
    return out


def bps_identity(region: dict[str, str]) -> tuple[str, str]:
    """(BPS code, BPS name) of a world region, found by its Kemendagri name and kind."""
    key = _kemendagri_key(region["nama"])
    key = RENAMED_SINCE_2018.get(key, key)
    try:
        return _by_name()[key, region["jenis"]]
    except KeyError:
        raise KeyError(f"{region['nama']} ({region['kode_kemendagri']}) is not in {BPS_LIST.name}") from None
