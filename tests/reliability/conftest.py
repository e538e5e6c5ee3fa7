"""Fixtures of the reliability suite: one simulator and one good baseline run for the whole suite (the
expensive part: extract everything at small scale, audit, dbt build, audit, publish - about 20 s), and a
per-test clone of that baseline so a test can break its copy without touching the others."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from reliability_kit import (FLOAT_DIGITS, RUN_ID, SCALE, SEED, clone_root, file_sha, mart_columns, mart_rows,
                             partitions, run_stages)


@dataclass
class Baseline:
    root: Path
    published_sha: str
    fingerprint: tuple[dict, str]          # smartcity.publish.marts_fingerprint
    columns: dict                          # reliability_kit.mart_columns (exact)
    rounded: dict                          # reliability_kit.mart_columns, floats to FLOAT_DIGITS decimals
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


@pytest.fixture(scope="session")
def baseline(tmp_path_factory, sim):
    from simulator.drops import write_drops

    from smartcity.publish import marts_fingerprint
    from smartcity_base.settings import get_settings, relocated

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
                   columns=mart_columns(published), rounded=mart_columns(published, FLOAT_DIGITS),
                   rows=mart_rows(published),
                   partitions=partitions(settings.raw_dir), connections=dict(sim.connections),
                   bps_key=sim.bps_key)
    mp.undo()


@pytest.fixture
def clone(baseline, tmp_path, monkeypatch):
    """A private copy of the baseline's landing zone and served warehouse; the environment points at it."""
    from smartcity_base.settings import get_settings, relocated

    root = tmp_path / "run"
    clone_root(baseline.root, root)
    for key, value in relocated(root).items():
        monkeypatch.setenv(key, value)
    settings = get_settings()
    assert file_sha(settings.published_path) == baseline.published_sha
    return settings


@pytest.fixture
def sequential_http(monkeypatch):
    """The process-wide HTTP client swapped for one that sends one request at a time, with a short read
    timeout (0.8 s) and fast backoff; retry counts and Retry-After handling are the production ones.
    One request at a time makes the simulator's request-counting faults meet the same requests every run,
    so the per-fault tests are deterministic (parallel clients are exercised separately)."""
    from extractors import http

    client = http.HttpClient(max_per_host=1, timeout=(2.0, 0.8), retry=http.make_retry(backoff_factor=0.05))
    monkeypatch.setattr(http, "_default", client)
    return client
