"""Every source x every simulator fault, through the pipeline's own stage functions (what the Airflow tasks
call): a transient fault is retried and the landing zone ends up with exactly the rows of the good baseline
(no duplicates, nothing lost); a permanent fault fails the stage with a one-line message that names the host
or the missing field (never the key), leaves the last good partitions as they were and the served
warehouse byte-identical."""
from __future__ import annotations

import shutil
from collections import Counter

import pyarrow.parquet as pq
import pytest
from reliability_kit import BPS_DOMAINS, META, dataset_rows, file_sha, half_written, partitions

pytestmark = [pytest.mark.reliability]

RUN = "reliability_fault"

# source -> (glob of the partitions its stage writes, columns that key one record)
TARGETS = {
    "bps": ([f"bps/observations/domain={d}/var=*/data.parquet" for d in BPS_DOMAINS],
            ("domain_id", "var_id", "vervar_id", "turvar_id", "year", "turtahun_id")),
    "ckan": (["ckan/packages/portal=*/batch=*/data.parquet"], ("portal", "package_id")),
    "regency": (["regency/*/system=monev/data.parquet"], ("id",)),
}

# transient faults and their knobs (small `every`/`seconds` where the default would only slow the suite)
RECOVERABLE = {
    "rate_limit": {"every": 8, "retry_after": 1},
    "server_error_burst": {"every": 6, "burst": 3},  # 503, 502, 500 in a row, then three good answers
    "slow": {"every": 10, "seconds": 2.0},           # the 0.8 s client read timeout fires, then a retry
    "truncated_json": {"every": 5},
    "duplicate_page": {"every": 3},
    "decimal_comma": {},
}
# CKAN makes ~7 requests per run (3 portals, 5 pages of nasional): hit it sooner
CKAN_KNOBS = {"rate_limit": {"every": 3}, "slow": {"every": 3}}
# permanent faults -> what the error must name besides the host
FAILING = {"html_200": "HTML", "firewall_403": "403", "schema_drift": None}
DRIFTED_FIELD = {"bps": "vervar", "ckan": "metadata_modified", "regency": "updated_at"}


def run_stage(source: str) -> None:
    from smartcity import pipeline

    if source == "bps":
        pipeline.extract_bps(BPS_DOMAINS, RUN)
    elif source == "ckan":
        for portal in pipeline.ckan_portals():
            pipeline.extract_ckan_portal(portal, RUN)
    else:
        for e in pipeline.regency_entities():
            pipeline.extract_regency_entity(e["system"], e["entity"], RUN)


def target_rows(raw_dir, source, drop=()):
    out = {}
    for pattern in TARGETS[source][0]:
        for part, rows in dataset_rows(raw_dir, pattern).items():
            out[part] = rows
    if drop:  # compare without some columns (e.g. value_raw under decimal_comma)
        out = {}
        for pattern in TARGETS[source][0]:
            for path in sorted(raw_dir.glob(pattern)):
                table = pq.read_table(path)
                table = table.drop_columns([c for c in (*META, *drop) if c in table.column_names])
                names = sorted(table.column_names)
                out[str(path.parent.relative_to(raw_dir))] = sorted(
                    tuple(repr(r[c]) for c in names) for r in table.to_pylist())
    return out


def forget_targets(raw_dir, source) -> None:
    """Remove what the stage will rewrite, so it pulls everything again (CKAN and monev are incremental:
    with the baseline's cursor they would ask for a handful of changed records and never page)."""
    for pattern in TARGETS[source][0]:
        for path in raw_dir.glob(pattern):
            shutil.rmtree(path.parent)


def duplicate_keys(raw_dir, source) -> list:
    patterns, key = TARGETS[source]
    dups = []
    for pattern in patterns:
        for path in raw_dir.glob(pattern):
            table = pq.read_table(path)
            if not set(key) <= set(table.column_names):
                continue
            counts = Counter(zip(*(table.column(k).to_pylist() for k in key), strict=True))
            dups += [(str(path.parent), k, n) for k, n in counts.items() if n > 1]
    return dups


@pytest.mark.parametrize("fault", list(RECOVERABLE))
@pytest.mark.parametrize("source", ["bps", "ckan", "regency"])
def test_transient_fault_is_retried_without_duplicates(source, fault, sim, clone, baseline, sequential_http):
    raw = clone.raw_dir
    drop = ("value_raw",) if fault == "decimal_comma" and source == "bps" else ()
    if fault == "decimal_comma" and source == "regency":
        drop = ("budget_idr", "realisation_idr")    # text amounts; their parsing is checked end to end
    expected = target_rows(baseline.root / "data" / "raw", source, drop)
    forget_targets(raw, source)
    knobs = {**RECOVERABLE[fault], **(CKAN_KNOBS.get(fault, {}) if source == "ckan" else {})}
    sim.set_faults({fault: {**knobs, "systems": [source]}})

    run_stage(source)

    counts = sim.sim.faults.counts
    if fault not in ("decimal_comma",):
        first_hit = knobs["every"] - knobs.get("burst", 1) + 1
        if not (fault == "duplicate_page" and source == "bps"):   # BPS data tables are not paged
            assert counts.get(fault, 0) >= first_hit, f"the {fault} fault never hit {source}: {counts}"
    got = target_rows(raw, source, drop)
    assert got.keys() == expected.keys()
    for part in expected:
        assert got[part] == expected[part], f"{part}: landed rows differ from the baseline after {fault}"
    assert duplicate_keys(raw, source) == []
    assert half_written(raw) == []
    if fault == "decimal_comma" and source == "bps":
        raw_values = [v for p in raw.glob(TARGETS["bps"][0][0]) for v in pq.read_table(p).column("value_raw")
                      .to_pylist()]
        assert any("," in (v or "") for v in raw_values), "the decimal_comma fault did not reach BPS"
    assert file_sha(clone.published_path) == baseline.published_sha


@pytest.mark.parametrize("fault", list(FAILING))
@pytest.mark.parametrize("source", ["bps", "ckan", "regency"])
def test_permanent_fault_fails_clearly_and_keeps_the_last_good_data(source, fault, sim, clone, baseline):
    from extractors.errors import ExtractError

    raw = clone.raw_dir
    before = partitions(raw)
    sim.set_faults({fault: {"systems": [source]}})

    with pytest.raises(ExtractError) as caught:
        run_stage(source)

    message = str(caught.value)
    host = sim.base_url.split("://", 1)[1].rstrip("/").split("/")[0]
    if FAILING[fault]:
        assert host in message, f"the error does not name the host {host}: {message}"
        assert FAILING[fault] in message, message
    else:
        assert DRIFTED_FIELD[source] in message, f"the error does not name {DRIFTED_FIELD[source]!r}: {message}"
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    assert baseline.bps_key not in message and baseline.bps_key not in repr(caught.value.args)
    assert partitions(raw) == before, "a failed extraction changed the landing zone"
    assert half_written(raw) == []
    assert file_sha(clone.published_path) == baseline.published_sha

