"""Numbers and names the way Indonesian offices write them."""
from __future__ import annotations

import math
import re


def id_number(x: float | None, decimals: int = 2) -> str:
    """1234.56 -> '1.234,56'; missing -> '-' (thousands with dots, decimals with a comma)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def decimals_of(x: float) -> int:
    return 0 if float(x).is_integer() else 2


def slug(text: str) -> str:
    """'Kota Batu' -> 'kota-batu' (CKAN names)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def bps_label(region: dict[str, str]) -> str:
    """BPS style label: 'Pinrang' for a kabupaten, 'Kota Parepare' for a kota."""
    from simulator.bps_codes import bps_identity

    name = bps_identity(region)[1].title().strip()
    return f"Kota {name}" if region["jenis"] == "Kota" else name
