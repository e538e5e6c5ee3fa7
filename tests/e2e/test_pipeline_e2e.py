"""The whole pipeline under real Airflow (`dag.test()`), against the simulator over loopback HTTP:
extract -> landing zone -> GX raw audit -> dbt build -> GX mart audit -> atomic publish."""
from __future__ import annotations

import hashlib

import duckdb
import pytest

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

SCALE = 514  # the national run: every region, so every catalogue indicator must cover all of them
SEED = 42


def run_pipeline(settings, connections):
    """All DAGs through the same runner `smartcity demo` uses; returns (exit code, DAG run states)."""
    from smartcity.demo import run_pipeline_with_progress

    rc, log_file, states = run_pipeline_with_progress(
        settings, {**connections, "SMARTCITY_TASK_RETRY_DELAY_S": "1"}, quiet=True)
    (settings.log_dir / "e2e.log").write_text(log_file.read_text(errors="replace")[-3000:])
    return rc, states


def marts_fingerprint(path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of every mart."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("select table_name from information_schema.tables "
                                    "where table_schema = 'marts' order by 1").fetchall():
            rows = con.execute(f'select * from marts."{table}"').fetchall()
            digest = hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()
            out[table] = (len(rows), digest)
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    """One full run of every DAG at small scale; the module's tests inspect what it left."""
    from simulator.server import run_in_thread
    from simulator.spreadsheets import write_drops

    from smartcity_base.settings import get_settings, relocated

    root = tmp_path_factory.mktemp("e2e")
    mp = pytest.MonkeyPatch()
    for key, value in relocated(root).items():
        mp.setenv(key, value)
    settings = get_settings()
    sim = run_in_thread(seed=SEED, scale=SCALE)
    write_drops(settings.drop_dir, seed=SEED, scale=SCALE)
    rc, states = run_pipeline(settings, sim.connections)
    yield {"rc": rc, "states": states, "settings": settings, "sim": sim, "root": root}
    sim.stop()
    mp.undo()


def test_every_dag_run_succeeds(pipeline_run):
    log = (pipeline_run["settings"].log_dir / "e2e.log").read_text()[-3000:]
    assert pipeline_run["rc"] == 0, log
    assert set(pipeline_run["states"].values()) == {"success"}
    assert len(pipeline_run["states"]) == 5


def test_published_warehouse_covers_every_region(pipeline_run):
    settings = pipeline_run["settings"]
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        assert con.execute("select count(*) from marts.dim_region").fetchone()[0] == 514
        regions = con.execute("select count(distinct region_code) from marts.fct_indicator_value").fetchone()[0]
        assert regions == SCALE
        failed = con.execute("select count(*) from quality.validation_results "
                             "where not success and severity = 'critical'").fetchone()[0]
        assert failed == 0
    finally:
        con.close()


def test_impact_mart_recovers_the_planted_program_effect(pipeline_run):
    """Participants vs matched non-participants, before vs after joining: the difference in differences
    finds each planted effect within 10 %, and no effect (CI covers 0) where none was planted."""
    from simulator.world import planted_truth

    truth = planted_truth(SEED)
    con = duckdb.connect(str(pipeline_run["settings"].published_path), read_only=True)
    try:
        rows = {code: (est, lo, hi) for code, est, lo, hi in con.execute(
            "select indicator_code, did_estimate, ci_lower, ci_upper from marts.fct_program_impact "
            "where row_type = 'overall'").fetchall()}
    finally:
        con.close()
    for code, planted in truth["effects"].items():
        estimate = rows[code][0]
        assert abs(estimate - planted["effect"]) <= 0.10 * abs(planted["effect"]), (code, estimate, planted)
    for code in truth["no_effect"]:
        _, lower, upper = rows[code]
        assert lower <= 0 <= upper, (code, rows[code])


def test_landing_zone_has_manifests_without_the_key(pipeline_run):
    settings, key = pipeline_run["settings"], pipeline_run["sim"].bps_key
    manifests = list(settings.raw_dir.rglob("_manifest.json"))
    assert any("/bps/" in str(m) for m in manifests) and any("/ckan/" in str(m) for m in manifests)
    for path in [*manifests, *settings.log_dir.rglob("*.log")]:
        assert key not in path.read_text(errors="replace"), f"BPS key leaked into {path}"


def test_rerun_of_the_same_interval_changes_nothing(pipeline_run):
    settings = pipeline_run["settings"]
    before = marts_fingerprint(settings.published_path)
    served_before = hashlib.sha256(settings.published_path.read_bytes()).hexdigest()
    asked = dict(pipeline_run["sim"].sim.requests)
    rc, states = run_pipeline(settings, pipeline_run["sim"].connections)
    assert rc == 0, states
    # BPS has no change cursor: the rerun of the same data interval does not ask it again (the other
    # sources are asked for what changed since their cursors: a handful of requests)
    assert pipeline_run["sim"].sim.requests["bps"] == asked["bps"]
    assert 0 < pipeline_run["sim"].sim.requests["ckan"] - asked["ckan"] < 10
    after = marts_fingerprint(settings.published_path)
    # nothing changed at the sources: every landed partition was kept and the transform skipped itself,
    # so the served file is the very same bytes (the rebuild path is checked in tests/reliability)
    assert hashlib.sha256(settings.published_path.read_bytes()).hexdigest() == served_before
    volatile = {"fct_data_completeness"}  # staleness is measured against the clock
    assert {k: v for k, v in before.items() if k not in volatile} == \
           {k: v for k, v in after.items() if k not in volatile}


def test_full_refresh_asks_bps_again_and_keeps_unchanged_partitions(pipeline_run):
    """The `full_refresh` param of `extract_bps` ignores the interval's freshness: every table is asked
    again, and as BPS did not change, every landed partition keeps its manifest."""
    from smartcity.demo import run_pipeline_with_progress

    from extractors.landing import read_manifests

    settings, sim = pipeline_run["settings"], pipeline_run["sim"]
    landed = {m["partition"]: m["manifest_id"] for m in read_manifests(settings.raw_dir, "bps", "observations")}
    asked = sim.sim.requests["bps"]
    rc, _, states = run_pipeline_with_progress(settings, dict(sim.connections), dag_ids=("extract_bps",),
                                               conf={"full_refresh": True}, quiet=True)
    assert rc == 0, states
    # 38 province domains x the tables their variable maps matched (population under two ids; the
    # 2022 Papua domains publish only from 2022); the maps themselves are not asked again (30 days)
    assert sim.sim.requests["bps"] - asked == len(landed) == 832
    assert {m["partition"]: m["manifest_id"]
            for m in read_manifests(settings.raw_dir, "bps", "observations")} == landed


def test_the_report_task_wrote_the_published_versions_report(pipeline_run):
    """The report task after publish (issue 14): the Musi Rawas scorecard of the served version shows its
    2022 joining, its ranks as the mart has them, and its programs."""
    import json
    import re

    settings = pipeline_run["settings"]
    version = json.loads((settings.warehouse_dir / "CURRENT.json").read_text())["version_id"]
    report = settings.warehouse_dir / "report"
    assert report.is_symlink() and (report / "index.html").is_file()
    html = (report / "regions" / "16.05.html").read_text(encoding="utf-8")
    assert version in html and 'data-cohort="2022"' in html
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        rank, = con.execute("""select indicator_rank_national from marts.fct_smart_city_index
                               where region_code = '16.05' order by year desc limit 1""").fetchone()
        n_programs, = con.execute("select count(*) from marts.fct_program_progress "
                                  "where region_code = '16.05'").fetchone()
    finally:
        con.close()
    assert re.search(rf'data-k="indicator_rank_national" data-v="{rank}"', html)
    assert n_programs > 0 and html.count('<tr data-item="') == n_programs


def test_enabling_postgres_after_a_publish_loads_it_on_the_next_run(pipeline_run, postgres_dsn, monkeypatch):
    """Issue 17: the landing zone and code are unchanged, but PostgreSQL is newly configured: the next
    transform run is not skipped, and PostgreSQL gets the marts DuckDB serves (runs last in this module:
    it publishes a new version)."""
    import uuid

    import psycopg

    from smartcity.pipeline import audit_candidate, build_candidate, publish_candidate, warehouse_is_stale

    settings = pipeline_run["settings"]
    assert not warehouse_is_stale(settings)   # nothing changed since the pipeline's publish
    name = f"smartcity_e2e_pg_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    try:
        dsn = postgres_dsn.rsplit("/", 1)[0] + f"/{name}"
        monkeypatch.setenv("SMARTCITY_POSTGRES_URL", dsn)
        assert warehouse_is_stale(settings)
        candidate = build_candidate("pg-enabled", settings)["candidate"]
        audit_candidate(candidate, "pg-enabled")
        published = publish_candidate(candidate, settings)
        assert published["postgres"]
        con = duckdb.connect(str(settings.published_path), read_only=True)
        try:
            expected = con.execute("select count(*) from marts.fct_smart_city_index").fetchone()[0]
        finally:
            con.close()
        with psycopg.connect(dsn) as pg:
            assert pg.execute("select count(*) from marts.fct_smart_city_index").fetchone()[0] == expected > 0
        assert not warehouse_is_stale(settings)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')
