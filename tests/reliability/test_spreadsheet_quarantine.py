"""A spreadsheet drop with 10 % bad rows: the good rows land, every planted bad row is quarantined with its
reason, nothing else is, and no value is lost or counted twice."""
from __future__ import annotations

import shutil
from collections import Counter

import pyarrow.parquet as pq
import pytest
from reliability_kit import SCALE, SEED, file_sha

pytestmark = [pytest.mark.reliability]

REASON_WORDS = {"unmatched_region": "region", "unparseable_value": "unparseable value"}


def test_ten_percent_bad_rows_are_quarantined_with_reasons(clone, baseline):
    from simulator.drops import write_drops

    from smartcity import pipeline

    shutil.rmtree(clone.drop_dir)
    planted = write_drops(clone.drop_dir, seed=SEED, scale=SCALE, bad_rows_fraction=0.1)
    bad = planted["planted_bad_rows"]
    assert 0.08 <= len(bad) / planted["rows"] <= 0.12, (len(bad), planted["rows"])

    summary = pipeline.extract_spreadsheet_drops("bad_rows")

    raw_sheets = clone.raw_dir / "spreadsheet"
    quarantined = [r for p in sorted(clone.quarantine_dir.glob("spreadsheet/*/*.parquet"))
                   for r in pq.read_table(p).to_pylist()]
    assert summary["quarantined"] == len(quarantined) > 0
    assert all(r["reason"] for r in quarantined)
    # every planted bad row is in quarantine, with a reason that says why
    for b in bad:
        hits = [q for q in quarantined if q["source_file"] == b["file"]
                and b["value"] in (q.get("region_name"), q.get("value_raw"))]
        assert hits, f"planted bad row not quarantined: {b}"
        assert all(REASON_WORDS[b["reason"]] in q["reason"] for q in hits), (b, hits[0]["reason"])
        assert all(str(b["value"]) in q["reason"] for q in hits), (b, hits[0]["reason"])
    # and nothing else: in every sheet, no more rows quarantined than were planted in its file
    planted_rows = Counter(b["file"] for b in bad)
    quarantined_rows = Counter((f, s) for f, s, _ in {(q["source_file"], q["sheet"], q["source_row"])
                                                      for q in quarantined})
    for (name, sheet), n in quarantined_rows.items():
        assert n <= planted_rows[name], f"{name}/{sheet}: {n} rows quarantined, {planted_rows[name]} planted"
    # the 90 %: landed + quarantined cells = the baseline's landed cells, file by file
    base = {p.parent.name: pq.read_metadata(p).num_rows
            for p in (baseline.root / "data" / "raw" / "spreadsheet").glob("*/file=*/data.parquet")}
    now = {p.parent.name: pq.read_metadata(p).num_rows for p in raw_sheets.glob("*/file=*/data.parquet")}
    q_per_file = Counter(f"file={q['source_file']}" for q in quarantined)
    for name in base:
        assert now[name] + q_per_file[name] == base[name], (name, now[name], q_per_file[name], base[name])
    assert sum(now.values()) >= 0.85 * sum(base.values())
    assert file_sha(clone.published_path) == baseline.published_sha
