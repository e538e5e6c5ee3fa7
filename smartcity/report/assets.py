"""The report's local assets: the Vega bundle (from vl-convert, cached by version), styles, the page
script and the region list the search box reads. Loaded with <script src>, which works from file://."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from smartcity_base.settings import PROJECT_ROOT

STATIC = Path(__file__).parent / "static"
CACHE = PROJECT_ROOT / ".cache" / "report"


def vega_bundle() -> Path:
    """vegaEmbed, vega and vegaLite in one file; building it takes seconds, so it is kept per version."""
    import vl_convert

    name = f"vega-bundle-{vl_convert.get_vega_embed_version()}-{vl_convert.get_vega_version()}.js"
    path = CACHE / name
    if not path.is_file():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:   # a read-only install (the image): keep it beside the other temporary files
            path = Path(tempfile.gettempdir()) / "smartcity-report" / name
            path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            return path
        tmp = path.with_suffix(".tmp")
        tmp.write_text(vl_convert.javascript_bundle(), encoding="utf-8")
        tmp.replace(path)
    return path


def write_assets(folder: Path, data, lang: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(vega_bundle(), folder / "vega.js")
    for name in ("report.css", "report.js"):
        shutil.copyfile(STATIC / name, folder / name)
    regions = [{"c": r["region_code"], "n": r["region_name"], "p": r["province_name"]} for r in data.regions]
    (folder / "regions.js").write_text("window.REPORT_REGIONS = " + json.dumps(regions, ensure_ascii=False) + ";\n",
                                       encoding="utf-8")
