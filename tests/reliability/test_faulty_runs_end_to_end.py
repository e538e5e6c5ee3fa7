"""Runs that meet source faults, all the way to the served warehouse: what is published must be the
baseline's marts, without duplicated rows, or nothing at all."""
from __future__ import annotations

import shutil

import pytest
from reliability_kit import (BPS_DOMAINS, FLOAT_DIGITS, differing_columns, file_sha, mart_columns,
                             transform_and_publish)

pytestmark = [pytest.mark.reliability]

# Columns that carry the lineage of one extraction (a uuid per landing manifest, the extraction time):
# a re-extraction changes them by design (docs/contracts.md: every row carries `_manifest_id`).
LINEAGE = {"manifest_id", "extracted_at", "_manifest_id", "_extracted_at", "last_extracted_at"}


def without_lineage(diff: dict[str, list[str]]) -> dict[str, list[str]]:
    return {t: [c for c in cols if c not in LINEAGE] for t, cols in diff.items()
            if [c for c in cols if c not in LINEAGE]}


def test_a_run_that_recovers_from_transient_faults_publishes_the_baseline(sim, clone, baseline, sequential_http):
    """5xx bursts, truncated bodies and repeated pages on every system at once (429s and timeouts are
    covered source by source in test_source_faults.py), for the sources pulled again from scratch (a BPS
    domain, every CKAN portal, every monev entity): the run
    succeeds and the published marts have the baseline's rows - no duplicate, nothing lost."""
    from smartcity import pipeline
    from smartcity.publish import marts_fingerprint

    raw = clone.raw_dir
    for path in [*(raw / "bps" / "observations" / f"domain={d}" for d in BPS_DOMAINS),
                 raw / "ckan" / "packages", *raw.glob("regency/*/system=monev")]:
        shutil.rmtree(path)
    sim.set_faults({"server_error_burst": {"every": 13, "burst": 3},
                    "truncated_json": {"every": 7}, "duplicate_page": {"every": 3}})
    pipeline.extract_bps(BPS_DOMAINS, "recovered")
    for portal in pipeline.ckan_portals():
        pipeline.extract_ckan_portal(portal, "recovered")
    for e in pipeline.regency_entities():
        pipeline.extract_regency_entity(e["system"], e["entity"], "recovered")
    hits = dict(sim.sim.faults.counts)
    sim.set_faults()
    assert all(hits[name] >= 3 for name in ("server_error_burst", "truncated_json")), hits
    assert hits["duplicate_page"] >= 2, hits

    pipeline.audit_raw("recovered")
    transform_and_publish("recovered")
    published = clone.published_path
    assert marts_fingerprint(published) == baseline.fingerprint
    diff = without_lineage(differing_columns(baseline.rounded, mart_columns(published, FLOAT_DIGITS)))
    assert diff == {}, f"the recovered run published different data: {diff}"
    assert file_sha(published) != baseline.published_sha   # it did publish a new version


def test_monev_decimal_comma_amounts_reach_the_marts(sim, clone, baseline):
    """Amounts written as Indonesian text ("1.234.567,89") are parsed: the candidate builds, passes the
    mart audit, and its marts equal the baseline's."""
    from smartcity import pipeline

    for path in clone.raw_dir.glob("regency/*/system=monev"):
        shutil.rmtree(path)
    sim.set_faults({"decimal_comma": {"systems": ["regency"]}})
    for e in pipeline.regency_entities():
        pipeline.extract_regency_entity(e["system"], e["entity"], "comma")
    sim.set_faults()
    import duckdb

    landed = duckdb.connect().execute(
        "select count(*) filter (where cast(budget_idr as varchar) like '%,%') "
        "from read_parquet(?, union_by_name=true)",
        [[str(p) for p in clone.raw_dir.glob("regency/programs/system=monev/**/*.parquet")]]).fetchone()[0]
    assert landed > 0, "the amounts landed as Indonesian text (the fault took effect)"
    candidate = pipeline.build_candidate("comma")["candidate"]
    pipeline.audit_candidate(candidate, "comma")
    diff = without_lineage(differing_columns(baseline.rounded, mart_columns(candidate, FLOAT_DIGITS)))
    assert diff == {}, f"decimal-comma amounts changed the published marts: {diff}"
