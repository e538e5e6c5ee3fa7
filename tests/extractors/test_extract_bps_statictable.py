"""BPS static tables as BPS publishes them (issue 15, last section): title rows (Indonesian, then
English), `&nbsp;` rows, a header band of two or more rows with rowspan/colspan, data rows where '-'
is none, footnotes and "Sumber:" rows. Columns are named by their path through the band, titles and
notes are manifest metadata, and a long form lands beside the wide one."""
from __future__ import annotations

import html

import pyarrow.parquet as pq
import pytest
from extract_testkit import BPS_KEY, Answer, bps_path

from extractors import bps

# two header rows: a row label and a total spanning the band, a group ("Status") over its sub-columns
TWO_DEEP = """<table border=0 cellpadding=0 cellspacing=0>
 <tr><td colspan=5>Jumlah Tenaga Kesehatan Menurut Kecamatan dan Status di Kabupaten Pinrang, 2023</td></tr>
 <tr><td colspan=5>Number of Health Workers by Subdistrict and Status in Pinrang Regency, 2023</td></tr>
 <tr><td>&nbsp;</td><td>&nbsp;</td><td></td><td></td><td></td></tr>
 <tr><td rowspan=2>Kecamatan<br>Subdistrict</td><td colspan=3>Status</td><td rowspan=2>Jumlah<br>Total</td></tr>
 <tr><td>DEP. KESEHATAN</td><td>PEMDA</td><td>SWASTA</td></tr>
 <tr><td>(1)</td><td>(2)</td><td>(3)</td><td>(4)</td><td>(5)</td></tr>
 <tr><td>Suppa</td><td>12</td><td>-</td><td>3</td><td>15</td></tr>
 <tr><td>Mattiro Sompe</td><td>1.204</td><td>7</td><td>-</td><td>1.211</td></tr>
 <tr><td>Pinrang</td><td>20</td><td>9</td><td>4</td><td>33</td></tr>
 <tr><td colspan=5>Catatan: termasuk tenaga honorer</td></tr>
 <tr><td colspan=5>Sumber: Dinas Kesehatan Kabupaten Pinrang</td></tr>
</table>"""

# three header rows: a group over sub-groups over years; the row label spans all three
THREE_DEEP = """<table>
 <tr><td colspan=6>Luas Panen dan Produksi Padi Menurut Kecamatan, 2022-2023</td></tr>
 <tr><td colspan=6>&nbsp;</td></tr>
 <tr><td rowspan=3>Kecamatan</td><td colspan=4>Padi</td><td rowspan=3>Keterangan Lain</td></tr>
 <tr><td colspan=2>Luas Panen (ha)</td><td colspan=2>Produksi (ton)</td></tr>
 <tr><td>2022</td><td>2023</td><td>2022</td><td>2023</td></tr>
 <tr><td>Suppa</td><td>1.250,5</td><td>1.300</td><td>-</td><td>6.512</td><td>-</td></tr>
 <tr><td>Lembang</td><td>980</td><td>-</td><td>5.100</td><td>5.230</td><td>irigasi</td></tr>
 <tr><td>Sumber: Dinas Pertanian</td><td></td><td></td><td></td><td></td><td></td></tr>
</table>"""


def parse(table):
    return bps.parse_statictable(html.escape(table))


def test_two_deep_header_band_named_by_paths_with_titles_and_notes():
    columns, rows, info = parse(TWO_DEEP)
    assert columns == ["Kecamatan Subdistrict", "Status / DEP. KESEHATAN", "Status / PEMDA", "Status / SWASTA",
                       "Jumlah Total"]
    assert info["titles"] == ["Jumlah Tenaga Kesehatan Menurut Kecamatan dan Status di Kabupaten Pinrang, 2023",
                              "Number of Health Workers by Subdistrict and Status in Pinrang Regency, 2023"]
    assert info["notes"] == ["Catatan: termasuk tenaga honorer", "Sumber: Dinas Kesehatan Kabupaten Pinrang"]
    assert info["header_rows"] == 2
    assert [r["Kecamatan Subdistrict"] for r in rows] == ["Suppa", "Mattiro Sompe", "Pinrang"]
    assert rows[0]["Status / PEMDA"] is None and rows[1]["Status / DEP. KESEHATAN"] == "1.204"


def test_three_deep_header_band():
    columns, rows, info = parse(THREE_DEEP)
    assert columns == ["Kecamatan", "Padi / Luas Panen (ha) / 2022", "Padi / Luas Panen (ha) / 2023",
                       "Padi / Produksi (ton) / 2022", "Padi / Produksi (ton) / 2023", "Keterangan Lain"]
    assert info["header_rows"] == 3 and info["titles"] == ["Luas Panen dan Produksi Padi Menurut Kecamatan, 2022-2023"]
    assert [r["Kecamatan"] for r in rows] == ["Suppa", "Lembang"] and info["notes"] == ["Sumber: Dinas Pertanian"]
    long = {(x["row_label"], x["column_path"]): x for x in info["long"]}
    suppa = long[("Suppa", "Padi / Luas Panen (ha) / 2022")]
    assert suppa["value"] == "1.250,5" and suppa["value_number"] == pytest.approx(1250.5) and not suppa["is_dash"]
    dash = long[("Suppa", "Padi / Produksi (ton) / 2022")]
    assert dash["is_dash"] and dash["value"] is None and dash["value_number"] is None
    assert long[("Lembang", "Keterangan Lain")]["value"] == "irigasi"
    assert len(info["long"]) == 2 * 5


def test_static_table_lands_wide_and_long_with_metadata(tmp_path, replay, http):
    client = bps.BpsClient(f"{replay.base}/v1/api", BPS_KEY, http)
    replay.routes[bps_path("view/model/statictable/lang/ind/domain/7315/id/23/key/{key}")] = Answer(
        {"status": "OK", "data-availability": "available",
         "data": {"table_id": 23, "title": "Keadaan Tenaga Kesehatan", "table": html.escape(TWO_DEEP),
                  "updt_date": "2015-09-27"}})
    manifest = bps.land_statictable(tmp_path / "raw", client, "7315", 23, "run-1")
    assert manifest["columns"][1] == "Status / DEP. KESEHATAN" and manifest["header_rows"] == 2
    assert manifest["notes"][-1].startswith("Sumber:") and len(manifest["titles"]) == 2
    wide = pq.read_table(tmp_path / "raw/bps/statictables/domain=7315/table=23/data.parquet").to_pylist()
    long = pq.read_table(tmp_path / "raw/bps/statictables_long/domain=7315/table=23/data.parquet").to_pylist()
    assert len(wide) == 3 and len(long) == 3 * 4
    assert {r["column_path"] for r in long} == set(manifest["columns"][1:])
    dashes = [(r["row_label"], r["column_path"]) for r in long if r["is_dash"]]
    assert dashes == [("Suppa", "Status / PEMDA"), ("Mattiro Sompe", "Status / SWASTA")]
    for stored in (tmp_path / "raw").rglob("*"):
        if stored.is_file():
            assert BPS_KEY.encode() not in stored.read_bytes()
