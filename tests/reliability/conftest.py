"""Fixtures of the reliability suite: one simulator and one good baseline run for the whole suite (the
expensive part: extract everything at small scale, audit, dbt build, audit, publish - about 20 s), and a
per-test clone of that baseline so a test can break its copy without touching the others."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from reliability_kit import RUN_ID, SCALE, SEED, clone_root, file_sha, mart_columns, mart_rows, partitions


@dataclass
class Baseline:
    root: Path
    published_sha: str
    fingerprint: tuple[dict, str]          # smartcity.publish.marts_fingerprint
    columns: dict                          # reliability_kit.mart_columns
    rows: dict                             # reliability_kit.mart_rows
    partitions: dict
    connections: dict
    bps_key: str


@pytest.fixture(scope="session")
def sim():
    from simulator.server import run_in_thread

    with run_in_thread(seed=SEED, scale=SCALE) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_faults_left(request):
    """Every test starts and ends with the shared simulator healthy."""
    yield
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").set_faults()


def run_stages(run_id: str) -> dict:
    """Every stage the DAGs run, in their order, with the environment's paths and connections."""
    from smartcity import pipeline

    out = {"bps": [pipeline.extract_bps(batch, run_id) for batch in pipeline.bps_domain_batches()],
           "ckan": [pipeline.extract_ckan_portal(p, run_id) for p in pipeline.ckan_portals()],
           "regency": [pipeline.extract_regency_entity(e["system"], e["entity"], run_id)
                       for e in pipeline.regency_entities()],
           "spreadsheet": pipeline.extract_spreadsheet_drops(run_id)}
    out["audit_raw"] = pipeline.audit_raw(run_id)
    out.update(transform_and_publish(run_id))
    return out


def transform_and_publish(run_id: str) -> dict:
    from smartcity import pipeline

    built = pipeline.build_candidate(run_id)
    audit = pipeline.audit_candidate(built["candidate"], run_id)
    published = pipeline.publish_candidate(built["candidate"])
    return {"candidate": built["candidate"], "audit_marts": audit, "publish": published}


@pytest.fixture(scope="session")
def baseline(tmp_path_factory, sim):
    from simulator.drops import write_drops

    from smartcity.publish import marts_fingerprint
    from smartcity.settings import get_settings, relocated

    root = tmp_path_factory.mktemp("baseline")
    mp = pytest.MonkeyPatch()
    for key, value in {**relocated(root), **sim.connections, "SMARTCITY_GX_REGION_COVERAGE": "warning",
                       "SMARTCITY_POSTGRES_URL": ""}.items():
        mp.setenv(key, value)
    settings = get_settings()
    write_drops(settings.drop_dir, seed=SEED, scale=SCALE)
    run_stages(RUN_ID)
    published = settings.published_path
    yield Baseline(root=root, published_sha=file_sha(published), fingerprint=marts_fingerprint(published),
                   columns=mart_columns(published), rows=mart_rows(published),
                   partitions=partitions(settings.raw_dir), connections=dict(sim.connections),
                   bps_key=sim.bps_key)
    mp.undo()


@pytest.fixture
def clone(baseline, tmp_path, monkeypatch):
    """A private copy of the baseline's landing zone and served warehouse; the environment points at it."""
    from smartcity.settings import get_settings, relocated

    root = tmp_path / "run"
    clone_root(baseline.root, root)
    for key, value in relocated(root).items():
        monkeypatch.setenv(key, value)
    settings = get_settings()
    assert file_sha(settings.published_path) == baseline.published_sha
    return settings


@pytest.fixture
def short_timeouts(monkeypatch):
    """The process-wide HTTP client with a short read timeout and fast backoff (the timeout is not
    configurable through the environment, so the test swaps the shared client)."""
    from extractors import http

    client = http.HttpClient(max_per_host=int(os.environ.get("SMARTCITY_HTTP_MAX_PER_HOST", "8")),
                             timeout=(2.0, 0.8), retry=http.make_retry(total=6, backoff_factor=0.05))
    monkeypatch.setattr(http, "_default", client)
    return client
